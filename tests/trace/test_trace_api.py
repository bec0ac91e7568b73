"""The batch API: a shop lists, records (and certifies) and reads its batches; another shop's id or
batch is a 404; bad bodies are 400 with the field; a buyer's token is refused."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from trace.models import Batch


def _token(user, scope: str) -> dict:
    _row, token = accounts.create_token(user, "api", [scope])
    return {"Authorization": f"Bearer {token}"}


def test_the_batch_api(app, traced_variant, make_shop, make_user, origin):
    client = app.test_client()
    variant = traced_variant()
    shop, other = variant.product.shop, make_shop()
    shop_h, other_h = _token(shop.members[0].user, "merchant"), _token(other.members[0].user, "merchant")
    url = f"/api/v1/shops/{shop.id}/trace/batches"
    body = {"variant_id": variant.id, "produced_on": "2026-09-20", "shelf_life_days": 60, "quantity": 120,
            "region": origin.id, "plot": "7 号地块",
            "inputs": [{"name": "有机肥", "used_on": "2026-05-01", "safe_interval_days": 0}],
            "tests": [{"kind": "self", "result": "速测合格", "tested_on": "2026-09-19", "tester": "本社"}]}
    created = client.post(url, json=body, headers=shop_h)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["remaining"] == 120 and data["certificate"]["issuer_name"] == shop.name
    assert data["trace_url"].endswith(f"/trace/{data['code']}") and data["tests"][0]["has_report"] is False
    db.session.refresh(variant)
    assert variant.stock == 120
    assert client.get(url, headers=shop_h).get_json()["total"] == 1
    assert client.get(f"{url}/{data['id']}", headers=shop_h).get_json()["code"] == data["code"]
    # another shop: its own namespace only
    assert client.get(f"/api/v1/shops/{other.id}/trace/batches/{data['id']}", headers=other_h).status_code == 404
    assert client.get(f"{url}/{data['id']}", headers=other_h).status_code == 404
    assert client.post(f"/api/v1/shops/{other.id}/trace/batches", json=body, headers=other_h).status_code == 400
    # bad input: 400 with the field, nothing saved
    late = client.post(url, json={**body, "inputs": [{"name": "吡虫啉", "used_on": "2026-09-15",
                                                       "safe_interval_days": 14}]}, headers=shop_h)
    assert late.status_code == 400 and late.get_json()["error"]["field"] == "inputs-1"
    assert client.post(url, json={**body, "quantity": 0}, headers=shop_h).status_code == 400
    assert client.post(url, json={**body, "region": 2**31 - 1}, headers=shop_h).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 1
    # a buyer's token has no merchant scope
    buyer_h = _token(make_user(), "buyer")
    assert client.get(url, headers=buyer_h).status_code == 403
