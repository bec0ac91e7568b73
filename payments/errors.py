"""The payments domain's refusal (a DomainError: the one handler shows it in the user's language)."""

from __future__ import annotations

from marketplace.errors import DomainError


class PaymentError(DomainError):
    """A payment step refused; the message is for the user."""

    status = 400
    code = "payment_error"
