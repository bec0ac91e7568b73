"""Print the ranked results of the judged queries on part of the relevance catalogue, as JSON.

    python tests/search_relevance/ranked_lists.py WORK_DIR [--segments]

Run by test_determinism.py in subprocesses with different PYTHONHASHSEED values: the lists must be
identical. With ``--segments`` the index is built, then every third product is re-indexed through
the change queue, so the same documents lie in several segments (some deleted in the first).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

#: The first products of the catalogue (pears, garlic, chili, flour, wine...: many ties).
PRODUCTS = 140


def main() -> int:
    from bench.relevance import BACKENDS, app_config, prepare, search_page
    from bench.relevance_data import load_catalogue, load_queries
    from marketplace import create_app
    from marketplace.db import atomic
    from marketplace.extensions import db
    from search import notify_changed
    from search.whoosh.writer import wait_until_drained

    work = Path(sys.argv[1])
    catalogue = load_catalogue()
    catalogue = {**catalogue, "products": catalogue["products"][:PRODUCTS]}
    app = create_app({**app_config(BACKENDS["whoosh"], f"sqlite:///{work / 'ranked.db'}", work), "TESTING": True})
    with app.app_context():
        db.create_all()
        prepared = prepare(app, BACKENDS["whoosh"], catalogue)
        if "--segments" in sys.argv:
            for ids in (sorted(prepared.keys)[::3], sorted(prepared.keys)[1::5]):
                with atomic():
                    for product_id in ids:
                        notify_changed("products", product_id)
                wait_until_drained("products")
        out = {}
        for query in load_queries()["queries"]:
            top, total = search_page(query["q"], prepared.keys)
            out[query["q"]] = [total, top]
        db.session.remove()
        db.engine.dispose()
    print(json.dumps(out, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
