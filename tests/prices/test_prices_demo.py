"""The demo's platform transaction prices: the seeded paid orders map to demo commodities through
their categories and keywords, so the commodity pages show the platform's series beside the markets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db

pytestmark = pytest.mark.slow


def test_demo_orders_give_platform_prices(demo_app):  # the seeded demo, once per test process (tests/demo_app.py)
    from prices.models import Commodity
    from prices.platform_models import PlatformPrice
    from prices.seed import seed_demo

    with demo_app.app_context():
        assert demo_app.seed_results["prices"]["platform_rows"] > 30
        rows = db.session.execute(sa.select(Commodity.code, sa.func.count(), sa.func.sum(PlatformPrice.line_count))
                                  .join(PlatformPrice, PlatformPrice.commodity_id == Commodity.id)
                                  .where(PlatformPrice.avg_cents.is_not(None)).group_by(Commodity.code)).all()
        codes = {code for code, _days, _lines in rows}
        assert len(codes) >= 8 and {"garlic", "pear-su", "chili-sanying"} & codes, codes
        before = db.session.scalar(sa.select(sa.func.count()).select_from(PlatformPrice))
        seed_demo()  # again: the days are replaced, never doubled
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlatformPrice)) == before
        code = max(rows, key=lambda r: r[1])[0]
        page = demo_app.test_client().get(f"/prices/{code}?days=90").get_data(as_text=True)
        assert '<th scope="col" class="num">平台成交价</th>' in page and 'id="platform-latest"' in page
        db.session.remove()
