"""The URL sets bench/load.py rotates over, read from the seeded database.

Three scenarios:

* ``hot``: the first benchmark's small set (50 products, 3 category pages, 8 searches, 20 shops).
  All of it fits the page cache, so with the cache on nearly every request is a hit: what a
  popular page costs, not what a buyer meets.
* ``tail``: what buyers meet. 5,000 products drawn at random from the whole catalogue, every
  category at pages spread from the first to the last, 500 different searches (Chinese words and
  pairs, pinyin run together and spaced, initials, county + product), 1,000 shops. wrk picks a
  URL at random for each request, so the page cache holds only what was asked in the last
  ``PAGE_CACHE_SECONDS``; the hit rate is reported beside each figure.
* ``skewed``: the tail's URLs, each page kind's drawn by popularity as a market's visits are (a
  Zipf law, s = 1: the n-th most visited URL is visited 1/n as often as the first; of 5,000
  products the 50 most visited take about half the visits, the rest the long tail). The uniform
  ``tail`` is the worst case; this is what a city's traffic looks like. The order is random (seeded).

``signed_in_cookies`` makes session cookies for the bench buyers (signed with the server's own
secret key, as a login would), so a signed-in run gets every page rendered, as a restaurant or a
shop ordering while signed in does.
"""

from __future__ import annotations

import random
import urllib.parse

import sqlalchemy as sa

PAGE_SIZE = 24  # catalog.queries.PAGE_SIZE
SORTS = ("", "&sort=price_asc", "&sort=price_desc")


def _hot(info: dict) -> list[tuple[str, list[str]]]:
    from bench.load import SEARCHES

    q = urllib.parse.quote
    return [
        ("hello (ceiling)", ["/bench/hello"]),
        ("home", ["/"]),
        ("category", [f"/c/{info['category_code']}", f"/c/{info['parent_category_code']}",
                      f"/c/{info['category_code']}?page=3"]),
        ("search", [f"/search?q={q(s)}" for s in SEARCHES]),
        ("product", [f"/p/{pid}" for pid in info["product_ids"][:50]]),
        ("shop", [f"/shops/bench-shop-{k}" for k in range(1, 21)]),
    ]


def search_texts(n: int = 500, seed: int = 11) -> list[str]:
    """``n`` different searches as buyers type them, from the bench catalogue's own vocabulary."""
    from pypinyin import Style, lazy_pinyin

    from bench.search_speed import ITEMS

    rnd = random.Random(seed)
    words, counties, specs = [], set(), set()
    for _path, names, varieties, _unit, _price, places in ITEMS:
        words.extend(names)
        counties.update(place.removesuffix("县").removesuffix("区").removesuffix("市") for place in places)
        specs.update(varieties)
    forms = []
    for word in words:
        syllables = lazy_pinyin(word)
        forms += [word, "".join(syllables), " ".join(syllables), "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))]
        forms.append(word[-1])  # a single character
    county_list, spec_list = sorted(counties), sorted(specs)
    for word in words:
        forms.append(f"{rnd.choice(county_list)} {word}")
        spec = rnd.choice(spec_list)
        if spec not in word:
            forms.append(f"{spec}{word}")
        forms.append(f"{rnd.choice(county_list)}{''.join(lazy_pinyin(word))}")
    unique = list(dict.fromkeys(f for f in forms if f.strip()))
    rnd.shuffle(unique)
    return unique[:n]


def _tail(info: dict, rnd: random.Random) -> list[tuple[str, list[str]]]:
    engine = sa.create_engine(_url(info))
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text(
            "SELECT id FROM products WHERE status = 'published' AND deleted_at IS NULL"))]
        sizes = _category_sizes(conn)
        shops = [r[0] for r in conn.execute(sa.text("SELECT slug FROM shops WHERE status = 'approved' ORDER BY id"))]
    engine.dispose()
    products = [f"/p/{pid}" for pid in rnd.sample(ids, min(5000, len(ids)))]
    shallow, deep = [], []
    for code, count in sizes.items():
        last = max(1, -(-count // PAGE_SIZE))
        for page in sorted({1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, last // 2, last}):
            if 1 <= page <= last:
                for sort in SORTS:
                    url = f"/c/{code}?page={page}{sort}" if page > 1 else f"/c/{code}{'?' + sort[1:] if sort else ''}"
                    (deep if page >= 100 else shallow).append(url)
    q = urllib.parse.quote
    searches = [f"/search?q={q(text)}" for text in search_texts()]
    shop_pages = [f"/shops/{slug}" for slug in rnd.sample(shops, min(1000, len(shops)))]
    out = [("hello (ceiling)", ["/bench/hello"]), ("home", ["/"]), ("category", shallow)]
    if deep:
        out.append(("category deep", deep))
    out += [("search", searches), ("product", products), ("shop", shop_pages)]
    return out


def _category_sizes(conn) -> dict[str, int]:
    """Public products per category code, each counted in its own category and every ancestor."""
    rows = conn.execute(sa.text(
        "SELECT c.code, count(p.id) FROM categories c LEFT JOIN products p ON p.category_id = c.id "
        "AND p.status = 'published' AND p.deleted_at IS NULL GROUP BY c.code")).all()
    sizes: dict[str, int] = {}
    for code, count in rows:
        parts = code.split(".")
        for depth in range(1, len(parts) + 1):
            key = ".".join(parts[:depth])
            sizes[key] = sizes.get(key, 0) + count
    known = {code for code, _ in rows}
    return {code: n for code, n in sizes.items() if code in known and n}


def _url(info: dict) -> str:
    from marketplace.config import normalise_database_url

    return normalise_database_url(info["database_url"])


#: Entries a skewed page kind's list holds: wrk draws uniformly from it, so a URL's share of the
#: entries is its share of the visits (each URL at least once: the tail is still reached).
SKEWED_ENTRIES = 20_000


def skewed(urls: list[str], rnd: random.Random, entries: int = SKEWED_ENTRIES) -> list[str]:
    """``urls`` repeated by a Zipf law (s = 1) over a random popularity order."""
    if len(urls) < 2:
        return urls
    ranked = rnd.sample(urls, len(urls))
    weight = entries / sum(1 / rank for rank in range(1, len(ranked) + 1))
    out = [url for rank, url in enumerate(ranked, 1) for _n in range(max(1, round(weight / rank)))]
    rnd.shuffle(out)
    return out


def pages(info: dict, scenario: str, seed: int = 5) -> list[tuple[str, list[str]]]:
    if scenario == "hot":
        return _hot(info)
    rnd = random.Random(seed)
    site = _tail(info, rnd)
    if scenario == "skewed":
        site = [(label, skewed(urls, rnd)) for label, urls in site]
    return site


def signed_in_cookies(info: dict, secret_key: str, buyers: int = 16) -> list[str]:
    """``session=...`` cookies of the first ``buyers`` bench buyers, signed with ``secret_key`` the way
    Flask signs a session after a login (the user id and its auth version, as accounts' loader reads)."""
    from flask import Flask

    engine = sa.create_engine(_url(info))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, auth_version FROM users WHERE email LIKE 'bench-buyer-%' ORDER BY id LIMIT :n"),
            {"n": buyers}).all()
    engine.dispose()
    app = Flask("bench-cookies")
    app.secret_key = secret_key
    serializer = app.session_interface.get_signing_serializer(app)
    return [f"session={serializer.dumps({'_user_id': f'{uid}:{version}', '_fresh': True})}" for uid, version in rows]
