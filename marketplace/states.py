"""Explicit state machines: a transition table, one check, and one move that every status change uses.

A machine names its allowed moves; ``machine.move(row, target, ...)`` refuses any other with
``InvalidTransition`` (HTTP 409), changes the row with a conditional UPDATE on its current status (two
concurrent moves cannot both win) and records who/when/why in the machine's history table.
Orders, payments, refunds, transfers, shops, products and projects all go through it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.db import utcnow
from marketplace.errors import DomainError


class InvalidTransition(DomainError):
    """A status move the transition table does not allow (HTTP 409)."""

    status = 409
    code = "invalid_transition"

    def __init__(self, machine: str | StateMachine, current: enum.Enum, target: enum.Enum):
        self.machine = machine.name if isinstance(machine, StateMachine) else machine
        label = machine.label if isinstance(machine, StateMachine) else (lambda s: s.value)
        self.current = current
        self.target = target
        super().__init__(_("当前状态（%(state)s）不允许这个操作", state=label(current)))
        self.args = (f"{self.machine}: {current.value} -> {target.value} is not allowed",)


class StateMachine:
    """A named table of allowed moves, with what a move writes besides the status.

    ``labels`` turn a status into words for the user (never a raw value on a page); ``history`` is
    the model that records each move, ``history_key`` its column pointing at the row and
    ``note_column`` where the reason goes; ``stamps`` maps a status to the timestamp column it sets.
    """

    def __init__(self, name: str, transitions: Mapping[enum.Enum, Iterable[enum.Enum]], *,
                 labels: Mapping[enum.Enum, Any] | None = None, history: type | None = None,
                 history_key: str | None = None, note_column: str = "note",
                 stamps: Mapping[enum.Enum, str] | None = None, note_length: int = 300):
        self.name = name
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}
        self.labels = dict(labels or {})
        self.history = history
        self.history_key = history_key
        self.note_column = note_column
        self.stamps = dict(stamps or {})
        self.note_length = note_length

    def label(self, state: enum.Enum) -> str:
        return str(self.labels.get(state, state.value))

    def allowed(self, current: enum.Enum) -> frozenset:
        return self.transitions.get(current, frozenset())

    def can(self, current: enum.Enum, target: enum.Enum) -> bool:
        return target in self.allowed(current)

    def check(self, current: enum.Enum, target: enum.Enum) -> None:
        if not self.can(current, target):
            raise InvalidTransition(self, current, target)

    def move(self, row, target: enum.Enum, *, actor=None, note: str | None = "", **fields):
        """Move ``row`` (a model with ``id`` and ``status``) to ``target`` in the caller's transaction.

        Returns the history row (None for a machine without history). ``fields`` are other columns
        set in the same UPDATE. Raises InvalidTransition when the table refuses the move or when
        another transaction moved the row first.
        """
        from marketplace.extensions import db

        model = type(row)
        target = type(row.status)(target) if row.status is not None else target
        current = row.status
        self.check(current, target)
        now = utcnow()
        values: dict[str, Any] = {"status": target, **fields}
        if hasattr(model, "updated_at"):
            values["updated_at"] = now
        if target in self.stamps:
            values[self.stamps[target]] = now
        result = db.session.execute(
            sa.update(model).where(model.id == row.id, model.status == current).values(**values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.refresh(row)
            raise InvalidTransition(self, row.status, target)
        for key, value in values.items():
            # Reflect the UPDATE on the object without marking it dirty (no second UPDATE).
            set_committed_value(row, key, value)
        if self.history is None:
            return None
        change = self.history(**{self.history_key: row.id, "from_status": current, "to_status": target,
                                 "actor_id": getattr(actor, "id", actor if isinstance(actor, int) else None),
                                 self.note_column: (note or "")[: self.note_length] or _empty(self)})
        db.session.add(change)
        return change


def _empty(machine: StateMachine):
    """What an empty note is stored as: '' for NOT NULL note columns, None for nullable ones."""
    column = machine.history.__table__.c[machine.note_column]
    return None if column.nullable else ""
