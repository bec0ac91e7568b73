"""The shell's one-way helpers: atomic() (commit, rollback, nesting), the request helpers for page
numbers and enum filters under hostile query strings, and the CSV neutraliser."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from marketplace.db import RollbackOnly, atomic, in_atomic
from marketplace.exports import csv_text, neutralise, unneutralise
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from marketplace.web import MAX_PAGE, enum_arg, page_arg
from orders.models import OrderStatus


def _row(subject: str) -> None:
    db.session.add(OutboxMessage(to_addr="x@example.com", subject=subject, body_text="b", locale="zh_CN"))


def _subjects() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(OutboxMessage.subject)))


def test_atomic_commits_the_block_and_rolls_back_on_an_exception(app):
    with atomic():
        _row("kept")
        assert in_atomic()
    assert not in_atomic()
    with pytest.raises(ValueError), atomic():
        _row("lost")
        raise ValueError("refused")
    assert _subjects() == ["kept"]


def test_a_nested_block_joins_the_outer_transaction(app):
    with pytest.raises(KeyError), atomic():
        _row("outer")
        with atomic():
            _row("inner")  # not committed on its own: the outer block's failure takes it back
        raise KeyError("later step")
    assert _subjects() == []


def test_a_swallowed_inner_failure_stops_the_outer_commit(app):
    with pytest.raises(RollbackOnly), atomic():
        _row("half")
        # the caller swallows the inner block's refusal and carries on ...
        with contextlib.suppress(ValueError), atomic():
            _row("inner")
            raise ValueError("inner refusal")
    assert _subjects() == []  # ... but nothing is half-saved
    with atomic():
        _row("next")  # the flag does not leak into the next transaction
    assert _subjects() == ["next"]


def test_atomic_as_a_decorator(app):
    @atomic()
    def verb(subject):
        _row(subject)
        if subject == "bad":
            raise ValueError(subject)

    verb("good")
    with pytest.raises(ValueError):
        verb("bad")
    assert _subjects() == ["good"]


@pytest.mark.parametrize(("raw", "page"), [
    (None, 1), ("", 1), ("3", 3), ("0", 1), ("-5", 1), ("abc", 1), ("2.5", 1), ("1e9", 1),
    ("99999999999999999999", MAX_PAGE), (str(MAX_PAGE + 1), MAX_PAGE), ("\x00", 1), ("３", 3),
])
def test_page_arg_never_fails_and_stays_in_range(app, raw, page):
    query = {} if raw is None else {"page": raw}
    with app.test_request_context("/", query_string=query):
        assert page_arg() == page


@pytest.mark.parametrize(("raw", "expected"), [
    ("paid", OrderStatus.PAID), ("", None), ("PAID", None), ("paid ", None), ("<script>", None), ("\x00", None),
])
def test_enum_arg_takes_only_a_member(app, raw, expected):
    with app.test_request_context("/", query_string={"status": raw}):
        assert enum_arg(OrderStatus) is expected
        assert enum_arg(OrderStatus, default=OrderStatus.PENDING_PAYMENT) is (expected or OrderStatus.PENDING_PAYMENT)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"])
def test_every_formula_start_is_neutralised_and_comes_back(cell):
    guarded = neutralise(cell)
    assert guarded == "'" + cell
    assert unneutralise(guarded) == cell


def test_plain_cells_are_kept_and_csv_text_is_excel_ready():
    assert neutralise(None) == "" and neutralise(12) == "12" and neutralise("柘城辣椒") == "柘城辣椒"
    assert unneutralise("'plain") == "'plain"
    text = csv_text(["=名称"], [["=cmd|' /C calc'!A0", 5]])
    assert text.startswith("\ufeff") and "\r\n" in text
    assert "'=名称" in text and "'=cmd" in text
