"""The reviews' refusal: a DomainError (a message in the user's language, a status, a field)."""

from __future__ import annotations

from marketplace.errors import DomainError


class ReviewError(DomainError):
    status = 400
    code = "review_error"
