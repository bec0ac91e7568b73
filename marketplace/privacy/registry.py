"""What each domain declares about the personal data it holds, for the export and the deletion.

A domain calls ``register_personal_data`` from its own ``init_app`` (the privacy code never imports
the domains above it)::

    register_personal_data(app, "orders", _l("订单"), export=export_orders, erase=erase_orders,
                           blocks=open_orders_block)

- ``export(user, limit)`` returns the section of the user's download (JSON-serialisable: lists of
  dicts, at most ``limit`` rows per list); none of another user's personal data.
- ``erase(erasure)`` anonymises the domain's rows of ``erasure.user`` inside the deletion's one
  transaction, and adds to ``erasure.values`` any phone number or e-mail address it replaces (the
  deletion then hunts for them in free text everywhere).
- ``blocks(user)`` returns why the account cannot be deleted now (a message for the user, e.g. an
  open order), or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app


@dataclass(frozen=True)
class PersonalData:
    name: str
    label: Any
    export: Callable[[Any, int], Any] | None = None
    erase: Callable[[Erasure], None] | None = None
    blocks: Callable[[Any], str | None] | None = None


@dataclass
class Erasure:
    """One account's deletion in progress: the user (personal fields still intact), who asked, and the
    identifiers found so far (e-mail addresses, phone numbers) to be masked wherever they remain."""

    user: Any
    actor: Any
    values: set[str] = field(default_factory=set)

    def found(self, *values: str | None) -> None:
        """Remember identifiers to hunt for; short ones (a typo, "1") would match everything: skipped."""
        for value in values:
            value = (value or "").strip()
            if len(value) >= 6:
                self.values.add(value)


def register_personal_data(app: Flask, name: str, label, *, export=None, erase=None, blocks=None) -> None:
    """Declare a domain's personal data (see the module's docstring); a name is declared once."""
    entries = app.extensions.setdefault("personal_data", {})
    if name in entries:
        raise RuntimeError(f"personal data {name!r} is registered twice")
    entries[name] = PersonalData(name, label, export, erase, blocks)


def personal_data(app: Flask | None = None) -> list[PersonalData]:
    """Every declaration, in registration order (the domains' order)."""
    app = app or current_app
    return list(app.extensions.get("personal_data", {}).values())
