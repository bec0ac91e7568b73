"""Search benchmark: N realistic products, index build rate, query latency, FTS5 baseline, page p95.

    .venv/bin/python bench/search_speed.py                 # 100,000 products, whoosh, SQLite
    .venv/bin/python bench/search_speed.py -n 20000 --rounds 10
    .venv/bin/python bench/search_speed.py --backend postgres --database-url postgresql://postgres@127.0.0.1/speed
    .venv/bin/python bench/search_speed.py --backend whoosh --database-url postgresql://postgres@127.0.0.1/speed

It builds a throwaway database (SQLite in the work folder, or the PostgreSQL database given with
--database-url, which is WIPED: use one of its own) with regions, categories, shops and products
with one variant each, inserted in bulk, builds the "products" index with the backend's real
rebuild (--backend whoosh or postgres), then times:
  1. the search service call (search.search with the page's facets) for a fixed mix of
     one- and two-word Chinese, pinyin, initials and filtered queries;
  2. on SQLite, the same queries against an FTS5 trigram table (the baseline; words under three
     characters cannot use a trigram index and fall back to LIKE, pinyin finds nothing there);
  3. GET /search through the Flask test client (whole page: search, product load, template).
Nothing here is part of the test run.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_measures import fts_baseline, report_database_cpu, summary  # noqa: E402

# (category path, base names, varieties/specs, unit, price range in fen, typical counties)
ITEMS = [
    ("农产品/水果", ["苹果", "红富士苹果", "嘎啦苹果", "酥梨", "金顶谢花酥梨", "黄桃", "西瓜", "葡萄", "草莓", "石榴", "柿子"],
     ["一级", "特级", "精品", "统货", "新鲜现摘", "脆甜", "大果"], "箱", (500, 9000), ["宁陵县", "民权县", "虞城县", "夏邑县"]),
    ("农产品/蔬菜", ["大蒜", "大葱", "生姜", "铁棍山药", "西红柿", "黄瓜", "韭菜", "土豆", "白菜", "胡萝卜", "芦笋"],
     ["新鲜", "产地直供", "净菜", "农家种植", "有机"], "斤", (100, 1500), ["睢县", "夏邑县", "梁园区", "睢阳区"]),
    ("农产品/干货调料", ["朝天椒", "三樱椒", "干辣椒", "辣椒面", "花椒", "香菇", "干香菇", "黑木耳", "红枣", "八角"],
     ["柘城", "子弹头", "特辣", "中辣", "花菇", "一级", "散装"], "斤", (800, 8000), ["柘城县", "睢阳区", "宁陵县"]),
    ("农产品/粮油", ["面粉", "高筋面粉", "饺子粉", "小磨香油", "花生油", "挂面", "小米", "大米", "红薯粉条", "玉米"],
     ["永城", "石磨", "25kg袋装", "5kg袋装", "压榨", "一级"], "袋", (800, 20000), ["永城市", "夏邑县", "虞城县"]),
    ("农产品/茶酒饮品", ["葡萄酒", "干红葡萄酒", "干白葡萄酒", "白酒", "菊花茶", "蜂蜜", "槐花蜜"],
     ["民权", "750ml", "礼盒装", "窖藏", "赤霞珠"], "瓶", (2000, 30000), ["民权县", "梁园区"]),
    ("农产品/肉禽蛋", ["土鸡蛋", "咸鸭蛋", "五香牛肉", "垛子羊肉", "烧鸡", "猪肉"],
     ["农家散养", "真空包装", "礼盒", "熟食"], "件", (1500, 15000), ["睢县", "虞城县", "民权县"]),
    ("农资/肥料", ["复合肥", "尿素", "有机肥", "水溶肥", "生物有机肥"], ["40kg", "50kg", "高氮", "小麦专用"], "袋",
     (6000, 25000), ["永城市", "梁园区"]),
    ("农资/种子种苗", ["小麦种子", "玉米种子", "辣椒种子", "蔬菜种子"], ["高产", "抗倒伏", "审定品种"], "袋",
     (1000, 8000), ["柘城县", "夏邑县"]),
    ("工业品/有色金属", ["电解铝锭", "铝锭", "铝棒", "铝型材", "铝板"], ["A00", "99.7%", "6063", "国标"], "吨",
     (1_700_000, 2_100_000), ["永城市"]),
    ("工业品/煤炭能源", ["无烟煤", "洗精煤", "块煤", "焦炭", "生物质颗粒"], ["永城", "低硫", "高热值"], "吨",
     (60_000, 200_000), ["永城市"]),
    ("工业品/五金工具", ["钢卷尺", "卷尺", "水平尺", "游标卡尺", "劳保手套"], ["虞城", "5米", "7.5米", "10米", "加厚"], "个",
     (300, 5000), ["虞城县"]),
    ("工业品/纺织鞋服", ["皮鞋", "运动鞋", "休闲鞋", "劳保鞋", "棉纱"], ["睢县", "真皮", "男款", "女款", "批发"], "双",
     (2500, 25000), ["睢县"]),
    ("工业品/机械设备", ["冷柜", "冷藏柜", "旋耕机", "播种机", "减速机"], ["民权", "商用", "节能", "大容量"], "台",
     (80_000, 2_000_000), ["民权县", "梁园区"]),
]
CERTS = ["green_food", "organic", "gi", "pollution_free"]

QUERIES = [
    # (kind, text, filters, ranges, sort)
    ("中文一词", "苹果", {}, {}, "relevance"),
    ("中文一词", "辣椒", {}, {}, "relevance"),
    ("中文一词", "铝锭", {}, {}, "relevance"),
    ("中文一词", "面粉", {}, {}, "relevance"),
    ("中文一词", "酥梨", {}, {}, "relevance"),
    ("中文一词", "朝天椒", {}, {}, "relevance"),
    ("中文一词", "葡萄酒", {}, {}, "relevance"),
    ("中文一词", "钢卷尺", {}, {}, "relevance"),
    ("中文两词", "柘城 辣椒", {}, {}, "relevance"),
    ("中文两词", "宁陵 酥梨", {}, {}, "relevance"),
    ("中文两词", "永城 面粉", {}, {}, "relevance"),
    ("中文两词", "有机 大米", {}, {}, "relevance"),
    ("拼音", "pingguo", {}, {}, "relevance"),
    ("拼音", "lajiao", {}, {}, "relevance"),
    ("拼音", "xianggu", {}, {}, "relevance"),
    ("拼音", "lvding", {}, {}, "relevance"),
    ("首字母", "pg", {}, {}, "relevance"),
    ("首字母", "gjc", {}, {}, "relevance"),
    ("单字", "梨", {}, {}, "relevance"),
    ("单字", "椒", {}, {}, "relevance"),
    ("单字", "铝", {}, {}, "relevance"),
    ("同义词", "红酒", {}, {}, "relevance"),
    ("同义词", "土豆", {}, {}, "relevance"),
    ("同义词", "化肥", {}, {}, "relevance"),
    ("拼音", "la jiao", {}, {}, "relevance"),
    ("拼音", "永城mianfen", {}, {}, "relevance"),
    ("首字母", "ycmf", {}, {}, "relevance"),
    ("错拼", "lajio", {}, {}, "relevance"),
    ("错拼", "pinguo", {}, {}, "relevance"),
    ("错拼", "xianggo", {}, {}, "relevance"),
    ("筛选", "苹果", {"county": "宁陵县"}, {}, "relevance"),
    ("筛选", "辣椒", {"in_stock": True}, {"price_cents": (1000, 5000)}, "price_cents"),
    ("筛选", "", {"category_path": "农产品/水果", "in_stock": True}, {}, "newest"),
    ("筛选", "", {"shop_type": "cooperative", "cert": "gi"}, {}, "-price_cents"),
]


def generate(n: int, seed: int = 7):
    rnd = random.Random(seed)
    for i in range(1, n + 1):
        path, names, specs, unit, (lo, hi), counties = rnd.choice(ITEMS)
        name = rnd.choice(names)
        county = rnd.choice(counties)
        spec = rnd.sample(specs, k=min(len(specs), rnd.randint(1, 2)))
        title = f"{county.rstrip('县市区')}{name} {' '.join(spec)}"[:120]
        subtitle = rnd.choice(["产地直供", "批发价", "支持定制", "量大从优", "当天发货", ""])
        description = (f"{county}出产的{name}，{rnd.choice(specs)}。{rnd.choice(['欢迎来电咨询', '支持自提', '合作社统一收购', '工厂直销'])}。"
                       f"规格：{unit}。")
        certs = rnd.sample(CERTS, k=rnd.choice([0, 0, 0, 1, 1, 2]))
        price = rnd.randint(lo, hi)
        yield {"i": i, "path": path, "title": title, "subtitle": subtitle, "description": description,
               "county": county, "certs": certs, "price": price, "in_stock": rnd.random() > 0.15,
               "attributes": [["品种", name], ["等级", rnd.choice(["一级", "二级", "特级"])]], "unit": unit}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the index build's worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def build_database(app, n: int):
    import datetime as dt

    import sqlalchemy as sa

    from catalog.categories import load_categories
    from catalog.models import Category, Product, Variant
    from catalog.units import load_default_units
    from marketplace.extensions import db
    from marketplace.regions.services import configured_files, load_regions
    from marketplace.shops.models import Shop, ShopStatus, ShopType

    db.drop_all()
    db.create_all()
    load_regions(configured_files())
    load_categories()
    load_default_units()  # variants name a unit (a foreign key)
    from marketplace.regions.services import counties as city_counties

    counties = {r.name: r.id for r in city_counties()}
    cats = {c.path: c.id for c in db.session.scalars(sa.select(Category))}
    types = list(ShopType)
    shop_rows = []
    for s in range(1, 301):
        county = list(counties)[s % len(counties)]
        shop_rows.append({"id": s, "slug": f"shop-{s}", "name": f"{county}{['农场', '合作社', '商行', '实业有限公司'][s % 4]}{s}号",
                          "shop_type": types[s % len(types)].value, "status": ShopStatus.APPROVED.value,
                          "region_id": counties[county], "address": "人民路 1 号", "phone": "0370-0000000",
                          "licence_number": f"9141{s:014d}", "description": ""})
    db.session.execute(sa.insert(Shop), shop_rows)
    now = dt.datetime.now(dt.UTC)
    products, variants = [], []
    rnd = random.Random(11)
    for doc in generate(n):
        i = doc["i"]
        products.append({"id": i, "shop_id": rnd.randint(1, 300), "category_id": cats[doc["path"]], "code": f"B{i}",
                         "title": doc["title"], "subtitle": doc["subtitle"], "description": doc["description"],
                         "origin_region_id": counties[doc["county"]], "attributes": doc["attributes"],
                         "certifications": doc["certs"], "status": "published", "min_price_cents": doc["price"],
                         "in_stock": doc["in_stock"], "created_at": now - dt.timedelta(minutes=n - i),
                         "updated_at": now, "published_at": now - dt.timedelta(minutes=n - i)})
        variants.append({"product_id": i, "name": "标准", "unit": doc["unit"], "price_cents": doc["price"],
                         "stock": 100 if doc["in_stock"] else 0, "moq": 1, "step": 1, "position": 0, "active": True})
        if len(products) >= 5000:
            db.session.execute(sa.insert(Product), products)
            db.session.execute(sa.insert(Variant), variants)
            products, variants = [], []
    if products:
        db.session.execute(sa.insert(Product), products)
        db.session.execute(sa.insert(Variant), variants)
    db.session.commit()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="number of products (default 100000)")
    parser.add_argument("--rounds", type=int, default=20, help="times the query mix is run (default 20)")
    parser.add_argument("--page-rounds", type=int, default=10, help="times the mix is fetched as pages (default 10)")
    parser.add_argument("--dir", help="work folder (default: a temporary one, removed afterwards)")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the query mix")
    parser.add_argument("--reuse", action="store_true",
                        help="with --dir: keep the database and index built by an earlier run (time queries only)")
    parser.add_argument("--backend", default="whoosh", choices=("whoosh", "postgres"),
                        help="search backend (postgres needs --database-url)")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (WIPED); default: SQLite in the work folder")
    args = parser.parse_args()
    if args.backend == "postgres" and not (args.database_url or "").startswith("postgresql"):
        parser.error("--backend postgres keeps its documents in PostgreSQL: give --database-url postgresql://...")

    return args


def _time_pages(app, rounds: int) -> None:
    client = app.test_client()
    page_ms, page_cpu = [], []
    client.get("/search?q=苹果")
    for _round in range(rounds):
        for _kind, text, filters, ranges, sort in QUERIES:
            qs = {"q": text, "sort": {"price_cents": "price_asc", "-price_cents": "price_desc"}.get(sort, sort)}
            qs.update({("category" if k == "category_path" else k): ("1" if v is True else v) for k, v in filters.items()})
            if "price_cents" in ranges:
                qs["min_price"], qs["max_price"] = (str(v / 100) for v in ranges["price_cents"])
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get("/search", query_string=qs)
            page_ms.append((time.perf_counter() - started) * 1000)
            page_cpu.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, response.status_code
    print("\nsearch page through the Flask test client (GET /search, whole response):")
    print("  " + summary("page", page_ms))
    print("  " + summary("page, CPU time only", page_cpu))


def main() -> None:
    args = _arguments()
    work = args.dir or tempfile.mkdtemp(prefix="search-bench-")
    os.makedirs(work, exist_ok=True)
    db_path = os.path.join(work, "bench.db")
    sqlite = args.database_url is None
    reuse = args.reuse and (os.path.exists(db_path) or not sqlite)
    if sqlite and os.path.exists(db_path) and not reuse:
        os.remove(db_path)

    from marketplace import create_app
    from marketplace.config import normalise_database_url

    url = f"sqlite:///{db_path}" if sqlite else normalise_database_url(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": work, "SECRET_KEY": "bench",
                      "SEARCH_INDEX_DIR": os.path.join(work, "index"), "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "MAIL_SERVER": None, "SEARCH_BACKEND": args.backend,
                      "PAGE_CACHE_SECONDS": 0, "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://"})
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.n} products, backend {args.backend}, "
          f"database {url.split(':')[0]}, work folder {work}")
    with app.app_context():
        from catalog.search_service import FACETS
        from search import SearchQuery, search
        from search.backend import current_backend
        from search.synonyms import load_defaults

        rebuild = current_backend().rebuild
        if reuse:
            print("re-using the database and index of an earlier run")
        else:
            started = time.perf_counter()
            build_database(app, args.n)
            print(f"database: {args.n} products inserted in {time.perf_counter() - started:.1f} s")
            started, cpu = time.perf_counter(), cpu_seconds()
            count = rebuild("products")
            elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            print(f"index build: {count} documents in {elapsed:.1f} s = {count / elapsed:.0f} documents/s "
                  f"(database read, jieba, pinyin, {args.backend} write); CPU of this process {cpu:.0f} s = "
                  f"{count / max(cpu, 1e-9):.0f} documents per CPU-second")
            if not sqlite:
                from marketplace.extensions import db

                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
        load_defaults()  # the shipped synonym groups (the migration adds them; this schema is create_all's)

        cpu_ms: list[float] = []

        def run_mix():
            timings: dict[str, list[float]] = {}
            totals = {}
            for kind, text, filters, ranges, sort in QUERIES:
                query = SearchQuery(text=text, filters=filters, ranges=ranges, sort=sort, facets=FACETS, per_page=24)
                started, cpu = time.perf_counter(), time.process_time()
                result = search("products", query)
                timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
                cpu_ms.append((time.process_time() - cpu) * 1000)
                totals[(text, str(filters))] = result.total
            return timings, totals

        warm_started = time.perf_counter()
        _t, totals = run_mix()  # first use: per-segment caches (filter sets, columns) are built
        print(f"first pass of the mix (cold caches): {(time.perf_counter() - warm_started) * 1000:.0f} ms")
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        all_timings: dict[str, list[float]] = {}
        for _round in range(args.rounds):
            timings, _totals = run_mix()
            for kind, ms in timings.items():
                all_timings.setdefault(kind, []).append(ms)
        if profiler:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
        flat = {k: [x for lst in v for x in lst] for k, v in all_timings.items()}
        print("\nsearch service call (search.search, 5 facets, 24 per page):")
        for kind, ms in flat.items():
            print("  " + summary(kind, ms))
        everything = [x for ms in flat.values() for x in ms]
        print("  " + summary("ALL", everything))
        print("  " + summary("ALL, CPU time only", cpu_ms[len(QUERIES):]))
        report_database_cpu(QUERIES, search, SearchQuery, FACETS, args.rounds, postgres=not sqlite)
        print("  hits per query: " + ", ".join(f"{t or '∅'}{'+filters' if f != '{}' else ''}={n}" for (t, f), n in totals.items()))
        # with --reuse this process only searches, as a web worker does (no index build, no pypinyin)
        print(f"  peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
              + (" (it also built the index: use --reuse --dir for a searching process alone)" if not reuse else ""))

        if sqlite:
            print("\nSQLite FTS5 trigram baseline (count + county facet + top 24; pinyin/initials find nothing):")
            base = fts_baseline(QUERIES, db_path, max(3, args.rounds // 4), rebuild_table=not reuse)
            for kind, ms in base.items():
                print("  " + summary(kind, ms))
            print("  " + summary("ALL", [x for ms in base.values() for x in ms]))

    _time_pages(app, args.page_rounds)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (other work on the machine inflates wall times)")
    if not args.dir:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
