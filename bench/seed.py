"""Load a large realistic data set quickly, then build the search indexes through the real rebuild path.

    .venv/bin/python bench/seed.py --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --data-dir /tmp/bench-data                       # 100,000 products, 2,000 shops, 20,000 orders
    .venv/bin/python bench/seed.py --products 10000 --shops 200 --orders 2000   # SQLite under --data-dir

The schema is dropped and created (create_all: the same models the migrations are made from).
Rows are generated in Python with explicit ids and written in bulk: COPY on PostgreSQL, one
executemany per batch on SQLite. Then the search backend's ``rebuild`` builds every registered
index (products, projects) exactly as ``flask search rebuild`` does.

Also created, for bench/load.py and bench/checkout.py: buyers bench-buyer-<n>@bench.example with
personal API tokens ``bench-token-<n>`` (password "bench password 1"), an address each, and
bench/seed-info.json next to the data (ids of a category, a shop, products, hot variants).
Never run against a database you care about: it is wiped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_speed import CERTS, ITEMS  # noqa: E402  (the product vocabulary of the search benchmark)
from bench.seed_rows import BATCH, Progress, Writer  # noqa: E402

PASSWORD = "bench password 1"
PROPOSED_INDEXES: tuple[str, ...] = ()  # the listings' walks are in the models and migration 0038


def _variant_rows(rnd: random.Random, product_id: int, unit: str, price: int, in_stock: bool, last_vid: int,
                  last_tid: int) -> tuple[list[dict], list[dict]]:
    """One to three variants of a product (standard, bulk, gift box), half of them with price tiers."""
    variants, tiers = [], []
    for pos in range(rnd.choice([1, 1, 2, 3])):
        vid = last_vid + pos + 1
        vprice = price + pos * max(1, price // 10)
        variants.append({"id": vid, "product_id": product_id, "name": ["标准", "大包装", "礼盒装"][pos], "unit": unit,
                         "price_cents": vprice, "stock": rnd.randint(20, 5000) if in_stock else 0, "moq": 1,
                         "step": 1, "weight_grams": rnd.choice([None, 500, 1000, 5000]), "position": pos,
                         "active": True})
        if rnd.random() < 0.5:
            for qty, pct in ((10, 95), (50, 90), (200, 85))[:rnd.randint(1, 3)]:
                tiers.append({"id": last_tid + len(tiers) + 1, "variant_id": vid, "min_quantity": qty,
                              "unit_price_cents": vprice * pct // 100})
    return variants, tiers


def _seed_orders(w: Writer, rnd: random.Random, args, now: dt.datetime, buyer_ids: list[int],
                 product_variants: dict, product_shop: dict[int, int], shop_products: dict[int, list[int]]) -> int:
    """Order groups of one order (one shop), 1-3 lines each, in every status; returns the lines written."""
    from orders.models import Order, OrderGroup, OrderLine, OrderStatus, OrderStatusChange

    statuses = [OrderStatus.COMPLETED] * 5 + [OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.SHIPPED,
                                               OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.DELIVERED]
    groups, orders, lines, history = [], [], [], []
    lid = 0
    p = Progress("orders", args.orders)
    product_ids = list(product_variants)
    for o in range(1, args.orders + 1):
        buyer = rnd.choice(buyer_ids)
        created = now - dt.timedelta(minutes=rnd.randint(60, 60 * 24 * 180))
        status = rnd.choice(statuses)
        shop_id = product_shop[rnd.choice(product_ids)]
        chosen = [rnd.choice(shop_products[shop_id]) for _ in range(rnd.randint(1, 3))]
        picked = []
        for pid in dict.fromkeys(chosen):
            v = rnd.choice(product_variants[pid])
            qty = rnd.randint(1, 20)
            picked.append((pid, v, qty))
        subtotal = sum(v[1] * qty for _pid, v, qty in picked)
        groups.append({"id": o, "buyer_id": buyer, "idempotency_key": f"bench-seed-{o:08d}", "subtotal_cents": subtotal,
                       "fee_cents": 0, "total_cents": subtotal, "created_at": created,
                       "expires_at": created + dt.timedelta(minutes=30)})
        done = status in (OrderStatus.COMPLETED, OrderStatus.DELIVERED)
        orders.append({"id": o, "group_id": o, "shop_id": shop_id, "buyer_id": buyer,
                       "number": f"{created:%Y%m%d}-{o:06d}-1", "status": status.value, "fulfilment": "pickup",
                       "pickup_address": "店内自提", "pickup_hours": "8:00-18:00", "note": "",
                       "subtotal_cents": subtotal, "fee_cents": 0, "total_cents": subtotal, "created_at": created,
                       "updated_at": created, "expires_at": created + dt.timedelta(minutes=30),
                       "paid_at": created + dt.timedelta(minutes=5) if status not in (OrderStatus.CANCELLED, OrderStatus.EXPIRED) else None,
                       "completed_at": created + dt.timedelta(days=3) if done else None})
        for pid, v, qty in picked:
            lid += 1
            lines.append({"id": lid, "order_id": o, "variant_id": v[0], "product_id": pid, "product_title": v[2][:120],
                          "variant_name": v[3], "unit": "件", "quantity": qty, "unit_price_cents": v[1],
                          "base_price_cents": v[1], "tier_min_quantity": None, "line_total_cents": v[1] * qty,
                          "weight_grams": None})
        history.append({"id": o, "order_id": o, "from_status": None, "to_status": OrderStatus.PENDING_PAYMENT.value,
                        "actor_id": buyer, "note": "", "created_at": created})
    w.insert(OrderGroup, groups)
    w.insert(Order, orders, p)
    p.finish()
    w.insert(OrderLine, lines)
    w.insert(OrderStatusChange, history)
    return len(lines)


def seed(app, args) -> dict:
    import sqlalchemy as sa

    from catalog.categories import load_categories
    from catalog.models import Category, PriceTier, Product, ProductImage, Variant
    from catalog.units import load_default_units
    from investment.models import Project
    from marketplace.accounts.models import ApiToken, User
    from marketplace.accounts.passwords import hash_password
    from marketplace.extensions import db
    from marketplace.regions.services import configured_files, load_regions
    from marketplace.security import hash_token
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
    from orders.models import Address, Order, OrderGroup, OrderLine, OrderStatusChange

    rnd = random.Random(args.seed)
    timings: dict[str, float] = {}
    w = Writer(db)
    t0 = time.perf_counter()
    db.drop_all()
    if w.pg:
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    db.create_all()
    load_regions(configured_files())
    load_categories()
    load_default_units()  # the migration's units: variants name them (a foreign key)
    timings["schema, regions, categories"] = time.perf_counter() - t0

    from marketplace.regions.services import counties as city_counties

    counties = {r.name: r.id for r in city_counties()}
    county_names = list(counties)
    cats = {c.path: c.id for c in db.session.scalars(sa.select(Category))}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pw_hash = hash_password(PASSWORD)  # one hash for every bench account: Argon2 is slow on purpose

    # users: one owner per shop, then buyers
    t0 = time.perf_counter()
    n_shops, n_buyers = args.shops, args.buyers
    users = [{"id": i, "email": f"bench-merchant-{i}@bench.example", "name": f"商户{i}", "password_hash": pw_hash,
              "locale": "zh_CN", "active": True, "auth_version": 1, "created_at": now} for i in range(1, n_shops + 1)]
    buyer_ids = list(range(n_shops + 1, n_shops + n_buyers + 1))
    users += [{"id": uid, "email": f"bench-buyer-{k}@bench.example", "name": f"买家{k}", "password_hash": pw_hash,
               "locale": "zh_CN", "active": True, "auth_version": 1, "created_at": now}
              for k, uid in enumerate(buyer_ids, start=1)]
    p = Progress("users", len(users))
    w.insert(User, users, p)
    p.finish()
    # every account signed up as anyone does: with the policy in force accepted (no banner, and no
    # consent lookup on every page, which a seed without consents made the signed-in pages pay)
    from marketplace.privacy.consent import SOURCE_REGISTER
    from marketplace.privacy.models import ConsentRecord

    w.insert(ConsentRecord, [{"id": u["id"], "user_id": u["id"], "policy_version": app.config["POLICY_VERSION"],
                              "source": SOURCE_REGISTER, "accepted_at": now} for u in users])
    w.insert(ApiToken, [{"id": k, "user_id": uid, "name": "bench", "token_hash": hash_token(f"bench-token-{k}"),
                         "prefix": f"bench-{k}"[:12], "created_at": now, "last_used_at": now}
                        for k, uid in enumerate(buyer_ids, start=1)])
    w.insert(Address, [{"id": k, "user_id": uid, "recipient": f"买家{k}", "phone": "13800000000",
                        "region_id": counties[county_names[k % len(county_names)]],
                        "street": f"人民路 {k} 号", "is_default": True, "created_at": now}
                       for k, uid in enumerate(buyer_ids, start=1)])
    timings["users, tokens, addresses"] = time.perf_counter() - t0

    # shops
    t0 = time.perf_counter()
    types = list(ShopType)
    shops = []
    for s in range(1, n_shops + 1):
        county = county_names[s % len(county_names)]
        shops.append({"id": s, "slug": f"bench-shop-{s}", "name": f"{county}{['农场', '合作社', '商行', '实业有限公司'][s % 4]}{s}号",
                      "shop_type": types[s % len(types)].value, "status": ShopStatus.APPROVED.value,
                      "region_id": counties[county], "address": f"人民路 {s} 号", "phone": "0370-0000000",
                      "licence_number": f"9141{s:014d}", "description": "本地企业，批发零售。",
                      "created_at": now - dt.timedelta(days=400 - s % 365), "updated_at": now,
                      "approved_at": now - dt.timedelta(days=300 - s % 300)})
    w.insert(Shop, shops)
    # owners are shop-scoped roles in user_roles (ShopMember's table)
    w.insert(ShopMember, [{"id": s, "scope_type": "shop", "scope_id": s, "user_id": s, "role": MemberRole.OWNER.value,
                           "granted_at": now} for s in range(1, n_shops + 1)])
    timings["shops"] = time.perf_counter() - t0

    # products, variants, tiers, photos
    t0 = time.perf_counter()
    n = args.products
    p = Progress("products", n)
    products, variants, tiers, images = [], [], [], []
    vid = tid = iid = 0
    product_variants: dict[int, list[tuple[int, int, str, str, int]]] = {}
    product_shop: dict[int, int] = {}
    shop_products: dict[int, list[int]] = {}
    for i in range(1, n + 1):
        path, names, specs, unit, (lo, hi), cnts = rnd.choice(ITEMS)
        name, county = rnd.choice(names), rnd.choice(cnts)
        spec = rnd.sample(specs, k=min(len(specs), rnd.randint(1, 2)))
        title = f"{county.rstrip('县市区')}{name} {' '.join(spec)}"[:120]
        price = rnd.randint(lo, hi)
        in_stock = rnd.random() > 0.1
        has_photo = rnd.random() < 0.6
        published = now - dt.timedelta(minutes=(n - i) * 3)
        shop_id = product_shop[i] = rnd.randint(1, n_shops)
        shop_products.setdefault(shop_id, []).append(i)
        products.append({
            "id": i, "shop_id": shop_id, "category_id": cats[path], "code": f"B{i}", "title": title,
            "subtitle": rnd.choice(["产地直供", "批发价", "支持定制", "量大从优", "当天发货", ""]),
            "description": f"{county}出产的{name}，{rnd.choice(specs)}。\n\n- 规格：{unit}\n- {rnd.choice(['欢迎来电咨询', '支持自提', '合作社统一收购', '工厂直销'])}",
            "origin_region_id": counties.get(county), "attributes": [["品种", name], ["等级", rnd.choice(["一级", "二级", "特级"])]],
            "certifications": rnd.sample(CERTS, k=rnd.choice([0, 0, 0, 1, 1, 2])), "status": "published",
            "min_price_cents": price, "in_stock": in_stock,
            "primary_image": f"public/products/bench/{i % 997:03d}" if has_photo else None,
            "created_at": published, "updated_at": published, "published_at": published, "deleted_at": None})
        v_rows, t_rows = _variant_rows(rnd, i, unit, price, in_stock, vid, tid)
        vid, tid = vid + len(v_rows), tid + len(t_rows)
        variants += v_rows
        tiers += t_rows
        product_variants[i] = [(v["id"], v["price_cents"], title, v["name"], v["stock"]) for v in v_rows]
        if has_photo:
            iid += 1
            key = f"public/products/bench/{i % 997:03d}"
            images.append({"id": iid, "product_id": i, "digest": f"{i:064x}"[-64:],
                           "variants": {str(s): f"{key}-{s}.webp" for s in (320, 800, 1600)},
                           "width": 1600, "height": 1600, "position": 0, "alt": title[:120], "created_at": published})
        if len(products) >= BATCH:
            w.insert(Product, products)
            p(len(products))
            products = []
    if products:
        w.insert(Product, products)
        p(len(products))
    p.finish()
    for model, rows, label in ((Variant, variants, "variants"), (PriceTier, tiers, "price tiers"),
                               (ProductImage, images, "photos")):
        p = Progress(label, len(rows))
        w.insert(model, rows, p)
        p.finish()
    timings[f"catalogue ({n} products, {len(variants)} variants, {len(tiers)} tiers, {len(images)} photos)"] = \
        time.perf_counter() - t0

    # orders: groups of one order (one shop), 1-3 lines each, in every status
    t0 = time.perf_counter()
    n_lines = _seed_orders(w, rnd, args, now, buyer_ids, product_variants, product_shop, shop_products)
    timings[f"orders ({args.orders} orders, {n_lines} lines)"] = time.perf_counter() - t0

    # investment projects
    t0 = time.perf_counter()
    from investment.vocab import sector_codes

    sectors = sorted(sector_codes())
    projects = []
    for k in range(1, args.projects + 1):
        county = county_names[k % len(county_names)]
        sector = sectors[k % len(sectors)]
        projects.append({"id": k, "code": f"BENCH-{k:04d}", "title": f"{county}{['食品加工', '新材料', '冷链物流', '装备制造', '文旅'][k % 5]}项目{k}",
                         "summary": f"位于{county}的招商项目，配套完善。", "sector": sector, "region_id": counties[county],
                         "park": f"{county}产业集聚区", "address": "", "total_investment_cents": rnd.randint(10, 500) * 10_000_000_00,
                         "sought_cents": rnd.randint(5, 200) * 10_000_000_00, "mode": "cooperation",
                         "land_area_hundredths": rnd.randint(0, 20000), "land_nature": "industrial", "land_status": "ready",
                         "construction": "", "market_outlook": "", "incentives": "", "expected_returns": "",
                         "contact_name": "招商局", "contact_phone": "0370-0000000", "contact_email": "",
                         "contact_private": False, "status": "published", "view_count": 0,
                         "created_at": now - dt.timedelta(days=k), "updated_at": now,
                         "published_at": now - dt.timedelta(days=k)})
    w.insert(Project, projects)
    timings[f"investment ({args.projects} projects)"] = time.perf_counter() - t0

    # The newest-first listing indexes are in catalog.models now (create_all made them); kept here
    # so a database created by an older schema gets them too (docs/performance.md).
    for ddl in PROPOSED_INDEXES:
        db.session.execute(sa.text(ddl))
    models = [User, ApiToken, Address, Shop, ShopMember, Product, Variant, PriceTier, ProductImage, OrderGroup, Order,
              OrderLine, OrderStatusChange, Project]
    w.reset_sequences(models)
    db.session.commit()
    if w.pg:
        t0 = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
        timings["ANALYZE"] = time.perf_counter() - t0

    # search indexes through the real rebuild path
    from search import registered
    from search.backend import current_backend

    rebuild = current_backend().rebuild

    for name, spec in registered().items():
        t0 = time.perf_counter()
        total = len(list(spec.all_ids()))
        db.session.rollback()
        p = Progress(f"index {name}", total)
        count = rebuild(name, progress=p)
        p.finish()
        timings[f"search index {name} ({count} documents)"] = time.perf_counter() - t0

    # what the load and checkout benchmarks need
    top_cat = db.session.scalar(sa.select(Category).where(Category.path == "农产品/水果"))
    hot = sorted((v for v in variants if v["stock"] > 0), key=lambda v: v["id"])[:5]
    info = {
        "database_url": app.config["SQLALCHEMY_DATABASE_URI"], "data_dir": app.config["DATA_DIR"],
        "products": n, "shops": n_shops, "orders": args.orders, "buyers": n_buyers, "projects": args.projects,
        "category_code": top_cat.code if top_cat else None,
        "parent_category_code": top_cat.code.split(".")[0] if top_cat else None,
        "shop_slug": "bench-shop-1",
        "product_ids": list(range(1, n + 1, max(1, n // 200)))[:200],
        "cart_variant_ids": [v["id"] for v in variants if v["stock"] >= 1000][:200],
        "hot_variant_ids": [v["id"] for v in hot],
        "token_prefix": "bench-token-",
        "password": PASSWORD,
    }
    return {"timings": timings, "info": info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: SQLite file in --data-dir")
    parser.add_argument("--data-dir", default="/tmp/marketplace-bench", help="DATA_DIR (media, search index)")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=2_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--buyers", type=int, default=500, help="buyer accounts with API tokens (default 500)")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args()

    os.makedirs(args.data_dir, exist_ok=True)
    url = args.database_url or f"sqlite:///{os.path.join(args.data_dir, 'bench.db')}"
    from marketplace import create_app
    from marketplace.config import normalise_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "DATA_DIR": args.data_dir,
                      "MEDIA_DIR": os.path.join(args.data_dir, "media"),
                      "SEARCH_INDEX_DIR": os.path.join(args.data_dir, "search-index"), "SECRET_KEY": "bench-" + "x" * 40,
                      "MAIL_SERVER": None, "LOG_LEVEL": "WARNING"})
    print(f"seeding {url.split('@')[-1]}: {args.products} products, {args.shops} shops, {args.orders} orders, "
          f"{args.projects} projects, {args.buyers} buyers; {os.cpu_count()} cores")
    started = time.perf_counter()
    with app.app_context():
        out = seed(app, args)
    total = time.perf_counter() - started
    for label, seconds in out["timings"].items():
        print(f"  {label:<70} {seconds:7.1f} s")
    print(f"  {'total':<70} {total:7.1f} s")
    info_path = os.path.join(args.data_dir, "seed-info.json")
    out["info"]["database_url"] = url
    Path(info_path).write_text(json.dumps(out["info"], indent=1, ensure_ascii=False))
    print(f"wrote {info_path}")


if __name__ == "__main__":
    main()
