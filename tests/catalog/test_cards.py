"""Product cards kept rendered (catalog.cards.CardHtml): a kept card is never stale, because its key is
everything it shows; each language has its own; a listing renders a card once per process."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from catalog.models import Variant
from tests.catalog.catalog_helpers import variant_row
from tests.catalog.test_moderation_approval import fields_of


@pytest.fixture
def origin(db, regions):
    from marketplace.regions.models import Region

    return db.session.scalar(sa.select(Region).where(Region.name == "柘城县"))


def _card(html: str, title: str) -> str:
    found = [c for c in re.findall(r'<li class="card product-card">.*?</li>', html, re.S) if title in c]
    assert len(found) == 1, html
    return found[0]


def _renders(app, monkeypatch) -> list:
    """Counts the macro's renders: the kept cards' store is wrapped, not the module under test."""
    cards = app.extensions["catalog_cards"]
    seen = []
    original = cards.cards.__class__.__setitem__

    class Counting(type(cards.cards)):
        def __setitem__(self, key, value):
            seen.append(key)
            original(self, key, value)

    monkeypatch.setattr(cards, "cards", Counting(cards.cards))
    return seen


def test_a_card_shows_every_change_at_once(app, db, client, make_product, origin, monkeypatch):
    product = make_product(title="柘城三樱椒", origin=origin,
                           variants=[variant_row(name="5kg 袋", unit="袋", price=15000, weight_grams=5000)])
    renders = _renders(app, monkeypatch)
    card = _card(client.get("/c/agri").get_data(as_text=True), "柘城三樱椒")
    assert "¥150.00" in card and "柘城县" in card and "缺货" not in card
    client.get("/c/agri")
    assert len(renders) == 1  # the second page view used the kept card

    variant = db.session.scalar(sa.select(Variant).where(Variant.product_id == product.id))
    from catalog.services import update_product

    update_product(product, product.shop.members[0].user, fields_of(product, title="柘城三樱椒 新货"),
                   [variant_row(id=variant.id, name="5kg 袋", unit="袋", price=12000, weight_grams=5000, stock=0)])
    card = _card(client.get("/c/agri").get_data(as_text=True), "柘城三樱椒 新货")
    assert "¥120.00" in card and "缺货" in card  # a new key: the new title, price and stock
    assert len(renders) == 2


def test_each_language_has_its_own_card(app, db, client, make_product, origin, monkeypatch):
    make_product(title="永城面粉", origin=origin, category="农产品/粮油")
    renders = _renders(app, monkeypatch)
    assert "柘城县" in _card(client.get("/c/agri").get_data(as_text=True), "永城面粉")
    client.post("/language", data={"locale": "en", "next": "/c/agri"})
    card = _card(client.get("/c/agri").get_data(as_text=True), "永城面粉")
    assert "Zhecheng County" in card and "and up" in card
    assert len(renders) == 2


def test_kept_cards_are_bounded(app, db, client, make_product, monkeypatch):
    cards = app.extensions["catalog_cards"]
    monkeypatch.setattr(cards, "size", 2)
    for n in range(4):
        make_product(title=f"夏邑小麦 {n}", category="农产品/粮油")
    html = client.get("/c/agri").get_data(as_text=True)
    assert html.count('class="card product-card"') == 4 and len(cards.cards) == 2
