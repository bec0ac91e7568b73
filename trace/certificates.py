"""承诺达标合格证: one per batch (一批一证), issued by the shop that recorded the batch (for a
repacked batch, the repacking shop: 收购后分装、混装的应重新开具). Its fields are those the rules
require: product name, quantity or weight, producer or issuer name, origin, contact, issue date,
the commitment statement, and optionally a test result. They are frozen when it is issued (the
label printed on the goods must match what the trace page shows), and it is never deleted.

The label carries a QR code (segno) to the batch's public trace page.
"""

from __future__ import annotations

import io

import segno
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.units import unit_name
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.regions.services import region_path
from marketplace.web import absolute_url
from trace.errors import TraceError
from trace.models import Batch, BatchSource, BatchStatus, Certificate
from trace.validation import Fields, local_today

#: The commitments a producer makes (农业农村部令2025年第4号); the first three are always made, the
#: others as they apply. Keys are stored, the sentences printed in the reader's language.
COMMITMENTS = {
    "no_banned": _l("不使用禁用农药兽药、停用兽药和非法添加物"),
    "intervals": _l("常规农药兽药残留不超标，遵守农药安全间隔期、兽药休药期规定"),
    "standards": _l("对所销售的农产品质量安全负责，产品符合食品安全国家标准"),
}
REQUIRED = tuple(COMMITMENTS)


def commitment_texts(keys) -> list[str]:
    return [str(COMMITMENTS[key]) for key in keys if key in COMMITMENTS]


def trace_url(batch: Batch) -> str:
    """The public trace page's absolute address (what the QR code holds)."""
    return absolute_url("trace.public_batch", code=batch.code)


def qr_svg(text: str) -> str:
    """The QR code as inline SVG markup (no external request, no script; fine under the CSP)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, border=2, dark="#000", light="#fff",
                                     xmldecl=False, svgns=True, omitsize=True)
    return out.getvalue().decode()


def qr_png(text: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _defaults(batch: Batch) -> dict:
    product = batch.variant.product
    name = product.title if batch.variant.name in ("", "默认") else f"{product.title} {batch.variant.name}"
    origin = region_path(batch.region, sep="") if batch.region else ""
    if batch.plot and batch.source == BatchSource.PRODUCED:  # a repacked batch's plot is where it was repacked
        origin = f"{origin} {batch.plot}".strip()
    test = next((t for t in reversed(batch.tests) if t.passed), None)
    return {"product_name": name[:120], "quantity_text": f"{batch.quantity} {unit_name(batch.unit, 'zh_CN')}"[:40],
            "issuer_name": batch.shop.name, "origin": origin[:200], "contact": batch.shop.phone,
            "test_summary": f"{test.result}（{test.tester}，{test.tested_on:%Y-%m-%d}）"[:200] if test else ""}


def preview(batch: Batch) -> dict:
    """The fields a new certificate of the batch will carry unless the merchant changes them."""
    return _defaults(batch)


@atomic()
def issue_certificate(batch: Batch, actor, data: dict | None = None) -> Certificate:
    """Issue the batch's certificate; refused when it has one (一批一证) or is recalled, or when a
    required commitment is not made. ``data`` may override contact and test_summary and list the
    commitments made (all by default)."""
    db.session.execute(sa.select(Batch.id).where(Batch.id == batch.id).with_for_update())
    if db.session.scalar(sa.select(Certificate.id).where(Certificate.batch_id == batch.id)) is not None:
        raise TraceError(_("这个批次已经开具合格证（一批一证）"), status=409, code="certificate_exists")
    if batch.status != BatchStatus.ACTIVE:
        raise TraceError(_("已召回的批次不能开具合格证"), status=409, code="batch_recalled")
    data = data or {}
    fields = Fields(data)
    values = _defaults(batch)
    contact = fields.text("contact", _("联系方式"), 40, required=True) if "contact" in data else values["contact"]
    summary = fields.text("test_summary", _("检测结果"), 200) if "test_summary" in data else values["test_summary"]
    made = data.get("commitments", list(REQUIRED))
    if not isinstance(made, list | tuple) or any(key not in made for key in REQUIRED):
        fields.fail("commitments", _("请确认全部承诺内容"))
    fields.check()
    certificate = Certificate(batch_id=batch.id, product_name=values["product_name"],
                              quantity_text=values["quantity_text"], issuer_name=values["issuer_name"],
                              origin=values["origin"] or values["issuer_name"], contact=contact,
                              issued_on=local_today(), commitments=list(REQUIRED), test_summary=summary,
                              issued_by_id=getattr(actor, "id", None))
    db.session.add(certificate)
    db.session.flush()
    db.session.refresh(batch, ["certificate"])
    return certificate
