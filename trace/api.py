"""JSON API of the shop's batches under /api/v1/shops/<shop_id>/trace/batches: list, record (and
certify) one, read one. Through the same services as the pages; another shop's id is a 404."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.scopes import MERCHANT
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.db import atomic
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.shops.policy import api_shop
from trace import api_schemas as s
from trace.batches import record_batch
from trace.certificates import issue_certificate, trace_url
from trace.models import Batch
from trace.status import region_label, status_label


def batch_json(batch: Batch) -> dict:
    cert = batch.certificate
    return {"id": batch.id, "code": batch.code, "variant_id": batch.variant_id, "product": batch.variant.product.title,
            "source": batch.source.value, "status": batch.status.value, "status_label": status_label(batch.status),
            "produced_on": batch.produced_on.isoformat(),
            "expires_on": batch.expires_on.isoformat() if batch.expires_on else None,
            "quantity": batch.quantity, "remaining": batch.remaining, "unit": batch.unit, "region_id": batch.region_id,
            "region": region_label(batch.region), "plot": batch.plot,
            "inputs": [{"name": i.name, "used_on": i.used_on.isoformat(), "safe_interval_days": i.safe_interval_days}
                       for i in batch.inputs],
            "tests": [{"kind": t.kind.value, "passed": t.passed, "result": t.result, "tested_on": t.tested_on.isoformat(),
                       "tester": t.tester, "has_report": bool(t.attachment_key)} for t in batch.tests],
            "parents": [{"code": p.parent.code, "quantity": p.quantity} for p in batch.parents],
            "certificate": None if cert is None else {
                "product_name": cert.product_name, "quantity_text": cert.quantity_text, "issuer_name": cert.issuer_name,
                "origin": cert.origin, "contact": cert.contact, "issued_on": cert.issued_on.isoformat(),
                "commitments": list(cert.commitments), "test_summary": cert.test_summary},
            "trace_url": trace_url(batch) if cert is not None else None,
            "created_at": batch.created_at.isoformat()}


def _shop_batch(shop, batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None or batch.shop_id != shop.id:
        raise ApiError(404, "not_found", _("批次不存在"))
    return batch


@api_bp.get("/shops/<int:shop_id>/trace/batches")
@scoped(MERCHANT)
@api_doc("The shop's batches, newest first", tags=s.TAGS, query=s.BatchQuerySchema, responses={200: s.BatchListSchema})
@api_login_required
def shop_batches_api(shop_id: int):
    shop = api_shop(shop_id)
    args = parse_query(s.BatchQuerySchema)
    query = (db.select(Batch).where(Batch.shop_id == shop.id)
             .options(joinedload(Batch.variant), joinedload(Batch.certificate), joinedload(Batch.region),
                      selectinload(Batch.inputs), selectinload(Batch.tests), selectinload(Batch.parents))
             .order_by(Batch.id.desc()))
    return page_of(query, args, batch_json)


@api_bp.post("/shops/<int:shop_id>/trace/batches")
@scoped(MERCHANT)
@api_doc("Record a batch (its quantity is received into the variant's stock) and, by default, issue its "
         "承诺达标合格证 (201). Test report files are uploaded on the pages.", tags=s.TAGS,
         body=s.BatchBodySchema, responses={201: s.BatchSchema, 409: "error"})
@api_login_required
def record_batch_api(shop_id: int):
    shop = api_shop(shop_id, write=True)
    data = parse_body(s.BatchBodySchema)
    values = {"variant": data["variant_id"], "produced_on": data["produced_on"], "quantity": data["quantity"],
              "expires_on": data["expires_on"], "shelf_life_days": data["shelf_life_days"],
              "region": data["region"], "plot": data["plot"], "note": data["note"]}
    inputs = [{**row, "used_on": row["used_on"]} for row in data["inputs"]]
    tests = [{**row, "passed": row["passed"], "report": None} for row in data["tests"]]
    with atomic():
        batch = record_batch(shop, current_user, values, inputs, tests, opening=data["opening"])
        if data["certify"]:
            issue_certificate(batch, current_user, {"contact": data["contact"] or shop.phone})
    return batch_json(batch), 201


@api_bp.get("/shops/<int:shop_id>/trace/batches/<int:batch_id>")
@scoped(MERCHANT)
@api_doc("One of the shop's batches", tags=s.TAGS, responses={200: s.BatchSchema})
@api_login_required
def shop_batch_api(shop_id: int, batch_id: int):
    return batch_json(_shop_batch(api_shop(shop_id), batch_id))
