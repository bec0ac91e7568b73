"""The relevance set's data: the fixture catalogue and the judged queries (tests/search_relevance/).

Reading and writing the two JSON files, the rule each judgment was made by, and loading the
catalogue into a database through the catalogue's own models and services, so that the real
indexer sees exactly what a merchant's listings would give it. The format is described in
tests/search_relevance/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "tests" / "search_relevance"
CATALOGUE_FILE = DATA_DIR / "catalogue.json"
QUERIES_FILE = DATA_DIR / "queries.json"
REGIONS_FILE = ROOT / "marketplace" / "data" / "regions" / "shangqiu.json"
#: The query cases, in the order the figures are printed.
CASES = ("single_char", "compound", "synonym", "pinyin", "initials", "typo", "plain")


def load_catalogue(path: Path = CATALOGUE_FILE) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_queries(path: Path = QUERIES_FILE) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def _baseline_text(baseline: dict) -> str:
    """{backend: {case: figures}} with one line per case, cases in the printed order."""
    order = {case: n for n, case in enumerate((*CASES, "overall"))}
    backends = []
    for name in sorted(baseline):
        cases = sorted(baseline[name].items(), key=lambda item: order.get(item[0], len(order)))
        rows = ",\n".join(f"  {json.dumps(case)}: {_line(figures)}" for case, figures in cases)
        backends.append(f" {json.dumps(name)}: {{\n{rows}\n }}")
    return "{\n" + ",\n".join(backends) + "\n}" if backends else "{}"


def dump_queries(data: dict) -> str:
    """The queries file's text: one query per line (diffs show which judgment changed)."""
    parts = [f"{json.dumps(k)}: {_baseline_text(v) if k == 'baseline' else json.dumps(v, ensure_ascii=False, indent=1)}"
             for k, v in data.items() if k != "queries"]
    queries = ",\n".join(_line(q) for q in data["queries"])
    return "{\n" + ",\n".join(parts) + ',\n"queries": [\n' + queries + "\n]\n}\n"


def write_baseline(backend: str, figures: dict[str, dict[str, float]], path: Path = QUERIES_FILE) -> None:
    """Record ``figures`` ({case: {"recall": r, "ndcg": n}}) as ``backend``'s baseline in the queries file."""
    data = load_queries(path)
    data.setdefault("baseline", {})[backend] = {
        case: {metric: round(value, 3) for metric, value in values.items()} for case, values in figures.items()}
    Path(path).write_text(dump_queries(data), encoding="utf-8")


# --- judgments -----------------------------------------------------------------------------------

def county_names(regions_file: Path = REGIONS_FILE) -> dict[str, str]:
    """Every region name of the city file (county, township, village) -> its county's name."""
    out: dict[str, str] = {}

    def walk(node: dict, county: str | None) -> None:
        if node.get("level") != "city" and county is None:
            county = node["name"]  # the city's children are its counties
        if county:
            out.setdefault(node["name"], county)
        for child in node.get("children", ()):
            walk(child, county)

    for root in json.loads(Path(regions_file).read_text(encoding="utf-8"))["regions"]:
        walk(root, None)
    return out


def product_county(product: dict, shops: dict[str, dict], counties: dict[str, str]) -> str:
    """The county a product comes from: its origin's, else its shop's (as the index does)."""
    if product.get("origin") in counties:
        return counties[product["origin"]]
    return shops[product["shop"]]["county"]


def judged(rule: dict, catalogue: dict, counties: dict[str, str] | None = None) -> list[str]:
    """The keys a judgment rule selects: products of those kinds, from that county, with one of
    those words in the title (each condition only when the rule has it), in catalogue order."""
    counties = counties if counties is not None else county_names()
    shops = {s["key"]: s for s in catalogue["shops"]}
    kinds = set(rule["kinds"])
    out = []
    for p in catalogue["products"]:
        if p["kind"] not in kinds:
            continue
        if rule.get("county") and product_county(p, shops, counties) != rule["county"]:
            continue
        if rule.get("title_has") and not any(word in p["title"] for word in rule["title_has"]):
            continue
        out.append(p["key"])
    return out


# --- loading the catalogue into a database ------------------------------------------------------

def _regions_by_name() -> dict:
    import sqlalchemy as sa

    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel

    found: dict = {}
    rows = db.session.scalars(sa.select(Region).where(Region.level.in_([RegionLevel.COUNTY, RegionLevel.TOWNSHIP]),
                                                      Region.code.like("4114%"))  # the demo city's
                              .order_by(Region.level, Region.id))
    for region in rows:
        found.setdefault(region.name, region)
    return found


def _shops(specs: list[dict], regions: dict) -> dict:
    """The catalogue's shops, approved (rows as the demo seed writes them; no owner is needed)."""
    from marketplace.db import utcnow
    from marketplace.extensions import db
    from marketplace.shops.models import Shop, ShopStatus, ShopType

    shops = {}
    for n, spec in enumerate(specs, start=1):
        shop = Shop(slug=f"relevance-{spec['key']}", name=spec["name"], shop_type=ShopType(spec["type"]),
                    status=ShopStatus.APPROVED, region=regions.get(spec.get("township")) or regions[spec["county"]],
                    address=f"{spec.get('market_name') or spec['county']} {n} 号", phone="0370-6000000",
                    market_name=spec.get("market_name"), licence_number=f"91411400MA{n:07d}X",
                    description=spec["name"], approved_at=utcnow())
        db.session.add(shop)
        shops[spec["key"]] = shop
    db.session.flush()
    return shops


def _variant_rows(product: dict) -> list[dict]:
    from marketplace.money import parse_amount

    return [{"name": v["name"], "unit": v["unit"], "price_cents": parse_amount(v["price"]), "stock": v["stock"],
             "moq": v.get("moq", 1), "step": v.get("step", 1), "weight_grams": None, "tiers": []}
            for v in product["variants"]]


def build_catalogue(app, catalogue: dict, progress: Callable[[int], None] | None = None) -> dict[int, str]:
    """Regions, categories, the shops and every product (published, with its variants) in one
    transaction, products through ``catalog.services.create_product``. Returns {product id: key}.

    The search index is written by whatever the engine does with catalogue changes (the queue
    drained after the commit, for Whoosh); callers then build it in full with the backend's own
    rebuild, as ``flask search rebuild`` does.
    """
    from catalog.categories import find_category, load_categories
    from catalog.models import ProductStatus
    from catalog.services import create_product
    from catalog.units import load_default_units
    from marketplace.db import atomic
    from marketplace.regions.services import configured_files, load_regions
    from search.synonyms import load_defaults as load_synonyms

    load_regions(configured_files())
    load_categories()
    load_default_units()  # the shipped units, as the migration that creates the table adds them
    load_synonyms()  # the shipped synonym groups, as the migration that creates the table adds them
    regions = _regions_by_name()
    categories: dict = {}
    keys: dict[int, str] = {}
    with atomic():
        shops = _shops(catalogue["shops"], regions)
        for p in catalogue["products"]:
            if p["category"] not in categories:
                categories[p["category"]] = find_category(p["category"])
            fields = {"title": p["title"], "subtitle": p.get("subtitle", ""), "description": p.get("description", ""),
                      "category": categories[p["category"]], "origin": regions.get(p.get("origin") or ""),
                      "code": p["key"], "attributes": p.get("attributes", []),
                      "certifications": p.get("certifications", [])}
            product = create_product(shops[p["shop"]], None, fields, _variant_rows(p), status=ProductStatus.PUBLISHED)
            keys[product.id] = p["key"]
            if progress:
                progress(1)
    return keys
