"""Recall pages: recall a batch (its shop, a regulator, an admin), the recall page (the full report
to those, his own part and the acknowledge button to a buyer who was told), the report as CSV, and
closing a recall. Anyone else gets a 404 for a recall or batch id."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.exports import csv_response, local_time, time_header
from marketplace.extensions import db
from trace import bp, recalls
from trace.models import Batch
from trace.recall_models import Recall
from trace.recall_report import report


def _batch_or_404(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None or not recalls.may_recall(current_user, batch):
        abort(404)
    return batch


def _recall_or_404(recall_id: int) -> tuple[Recall, bool]:
    """The recall and whether the viewer sees the whole report (else: a buyer who was told)."""
    recall = db.session.get(Recall, recall_id)
    if recall is None:
        abort(404)
    if recalls.may_recall(current_user, recall.batch):
        return recall, True
    if any(n.buyer_id == current_user.id for n in recall.notices):
        return recall, False
    abort(404)


@bp.route("/trace/batches/<int:batch_id>/recall", methods=["GET", "POST"])
@login_required
def recall_form(batch_id: int):
    batch = _batch_or_404(batch_id)
    if request.method == "POST":
        recall = recalls.recall_batch(batch, current_user, request.form.get("reason", ""))
        flash(_("批次已召回，已通知 %(n)d 位买家", n=len(recall.notices)), "success")
        return redirect(url_for("trace.recall_page", recall_id=recall.id))
    return render_template("trace/recall_form.html", batch=batch, children=recalls.descendants(batch.id))


@bp.get("/recalls/<int:recall_id>")
@login_required
def recall_page(recall_id: int):
    recall, full = _recall_or_404(recall_id)
    buyers, totals = report(recall)
    if not full:
        buyers = [row for row in buyers if row.buyer.id == current_user.id]
    return render_template("trace/recall.html", recall=recall, buyers=buyers, totals=totals, full=full,
                           status_label=recalls.RECALL_MACHINE.label)


@bp.post("/recalls/<int:recall_id>/acknowledge")
@login_required
def recall_acknowledge(recall_id: int):
    recall, _full = _recall_or_404(recall_id)
    recalls.acknowledge(recall, current_user)
    flash(_("已确认知悉召回，请按店铺的安排退回或销毁商品"), "success")
    return redirect(url_for("trace.recall_page", recall_id=recall.id))


@bp.post("/recalls/<int:recall_id>/close")
@login_required
def recall_close(recall_id: int):
    recall, full = _recall_or_404(recall_id)
    if not full:
        abort(404)
    recalls.close_recall(recall, current_user, request.form.get("note", ""))
    flash(_("召回已结束"), "success")
    return redirect(url_for("trace.recall_page", recall_id=recall.id))


@bp.get("/recalls/<int:recall_id>/report.csv")
@login_required
def recall_csv(recall_id: int):
    recall, full = _recall_or_404(recall_id)
    if not full:
        abort(404)
    buyers, _totals = report(recall)
    header = [_("买家"), _("批次"), _("订单号"), _("数量"), _("单位"), time_header(_("通知时间")),
              time_header(_("确认知悉时间"))]
    rows = [[row.buyer.display_name, code, number, quantity, unit,
             local_time(row.notice.notified_at) if row.notice else "",
             local_time(row.notice.acknowledged_at) if row.notice and row.notice.acknowledged_at else ""]
            for row in buyers for code, unit, number, quantity in row.lines]
    return csv_response(f"recall-{recall.id}.csv", header, rows)
