"""The catalogue's refusals: one DomainError subclass, and its stock case."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.errors import DomainError


class CatalogError(DomainError):
    """A catalogue change was refused. ``errors`` maps a field name to its messages; without a
    message the first of them is the message."""

    code = "invalid_product"

    def __init__(self, message: str | None = None, *, errors: dict[str, list[str]] | None = None, **kwargs):
        if message is None:
            message = next((m for msgs in (errors or {}).values() for m in msgs), _("提交的内容有误"))
        super().__init__(message, errors=errors, **kwargs)


class OutOfStock(CatalogError):
    """Not enough stock for what was asked (HTTP 409: it may change while the buyer looks)."""

    status = 409
    code = "out_of_stock"
