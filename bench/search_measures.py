"""bench/search_speed.py's two side measurements: the same query mix on SQLite FTS5 (the baseline
before the search package), and each query's CPU in the app and in its PostgreSQL backend."""

from __future__ import annotations

import os
import sqlite3
import time


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def summary(label, ms):
    return f"{label:<34} p50 {pct(ms, 50):7.2f} ms   p95 {pct(ms, 95):7.2f} ms   p99 {pct(ms, 99):7.2f} ms   (n={len(ms)})"


def fts_baseline(queries: list, docs_path: str, rounds: int, rebuild_table: bool = True):
    """The same queries on SQLite FTS5 (trigram): total, facet counts by county, top 24 by rank."""
    conn = sqlite3.connect(docs_path)
    if rebuild_table or not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'fts'").fetchone():
        conn.execute("DROP TABLE IF EXISTS fts")
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, subtitle, description, attributes, category,"
                     " origin, tokenize='trigram')")
        started = time.perf_counter()
        conn.execute("INSERT INTO fts(rowid, title, subtitle, description, attributes, category, origin) "
                     "SELECT p.id, p.title, p.subtitle, p.description, p.attributes, c.path, r.name FROM products p "
                     "JOIN categories c ON c.id = p.category_id LEFT JOIN regions r ON r.id = p.origin_region_id")
        conn.commit()
        print(f"  (FTS5 table built in {time.perf_counter() - started:.1f} s)")
    timings: dict[str, list[float]] = {}
    for _round in range(rounds):
        for kind, text, filters, ranges, sort in queries:
            words = text.split()
            where, params = [], []
            match_words = [w for w in words if len(w) >= 3]
            like_words = [w for w in words if len(w) < 3]
            source = "products p"
            if match_words:
                source = "fts JOIN products p ON p.id = fts.rowid"
                where.append("fts MATCH ?")
                params.append(" AND ".join(f'"{w}"' for w in match_words))
            for w in like_words:  # under three characters: no trigram, a scan
                where.append("(p.title LIKE ? OR p.description LIKE ? OR p.subtitle LIKE ?)")
                params += [f"%{w}%"] * 3
            if "county" in filters:
                where.append("p.origin_region_id = (SELECT id FROM regions WHERE name = ? AND level = 'county')")
                params.append(filters["county"])
            if filters.get("in_stock"):
                where.append("p.in_stock = 1")
            if "price_cents" in ranges:
                where.append("p.min_price_cents BETWEEN ? AND ?")
                params += list(ranges["price_cents"])
            if "category_path" in filters:
                where.append("p.category_id = (SELECT id FROM categories WHERE path = ?)")
                params.append(filters["category_path"])
            if "shop_type" in filters:
                where.append("p.shop_id IN (SELECT id FROM shops WHERE shop_type = ?)")
                params.append(filters["shop_type"])
            if "cert" in filters:
                where.append("p.certifications LIKE ?")
                params.append(f'%"{filters["cert"]}"%')
            clause = " WHERE " + " AND ".join(where) if where else ""
            order = {"relevance": "fts.rank" if match_words else "p.id DESC", "newest": "p.published_at DESC",
                     "price_cents": "p.min_price_cents", "-price_cents": "p.min_price_cents DESC"}[sort]
            started = time.perf_counter()
            conn.execute(f"SELECT count(*) FROM {source}{clause}", params).fetchone()
            conn.execute(f"SELECT p.origin_region_id, count(*) FROM {source}{clause} GROUP BY 1", params).fetchall()
            conn.execute(f"SELECT p.id FROM {source}{clause} ORDER BY {order} LIMIT 24", params).fetchall()
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    conn.close()
    return timings


def _backend_ticks() -> tuple[int, int] | None:
    """(pid, user + system clock ticks) of this session's PostgreSQL backend, when it runs here."""
    import sqlalchemy as sa

    from marketplace.extensions import db

    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return None
    return pid, int(fields[11]) + int(fields[12])


def database_cpu(queries: list, search, query_type, facets, rounds: int) -> list[float]:
    """Per query of the mix, the CPU milliseconds of this process and of its PostgreSQL backend
    (read from /proc: the database must run on this machine), averaged over ``rounds`` runs in a
    row; [] when the backend's CPU cannot be read. Unlike wall time, this does not grow when other
    work shares the cores."""
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    out = []
    for _kind, text, filters, ranges, sort in queries:
        query = query_type(text=text, filters=filters, ranges=ranges, sort=sort, facets=facets, per_page=24)
        before, cpu = _backend_ticks(), time.process_time()
        for _round in range(rounds):
            search("products", query)
        app_ms, after = (time.process_time() - cpu) * 1000, _backend_ticks()
        if before is None or after is None or before[0] != after[0]:
            return []
        out.append((app_ms + (after[1] - before[1]) * tick_ms) / rounds)
    return out


def report_database_cpu(queries: list, search, query_type, facets, rounds: int, postgres: bool) -> None:
    per_query = database_cpu(queries, search, query_type, facets, rounds) if postgres else []
    if per_query:
        print("  " + summary("ALL, CPU of app + database", per_query)
              + "  (each query's mean over its rounds: the wall time on an idle machine)")
