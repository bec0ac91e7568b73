"""The batch status machine (active -> recalled) and the words for every value on a page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.states import StateMachine
from trace.models import BatchSource, BatchStatus, BatchStatusChange, TestKind

S = BatchStatus

STATUS_LABELS = {S.ACTIVE: _l("正常"), S.RECALLED: _l("已召回")}
STATUS_BADGES = {S.ACTIVE: "badge-ok", S.RECALLED: "badge-err"}
SOURCE_LABELS = {BatchSource.PRODUCED: _l("自产"), BatchSource.REPACKED: _l("分装/混装")}
TEST_KIND_LABELS = {TestKind.SELF: _l("自检"), TestKind.COMMISSIONED: _l("委托检测")}

#: Recalls (the shop's or a regulator's) move a batch here; a recall is final.
BATCH_MACHINE = StateMachine("batch", {S.ACTIVE: {S.RECALLED}}, labels=STATUS_LABELS,
                             history=BatchStatusChange, history_key="batch_id",
                             stamps={S.RECALLED: "recalled_at"})


def status_label(value) -> str:
    return str(STATUS_LABELS[BatchStatus(value)])


def source_label(value) -> str:
    return str(SOURCE_LABELS[BatchSource(value)])


def test_kind_label(value) -> str:
    return str(TEST_KIND_LABELS[TestKind(value)])


def region_label(region) -> str:
    """A batch's origin as "河南省 › 商丘市 › 宁陵县 › 石桥镇" in the reader's language."""
    from marketplace.i18n import current_locale_code
    from marketplace.regions.services import region_path

    return region_path(region, current_locale_code()) if region is not None else ""
