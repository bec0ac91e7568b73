"""The messages refusal: a DomainError (a message in the user's language, a status, a field)."""

from __future__ import annotations

from marketplace.errors import DomainError


class MessageError(DomainError):
    status = 422
    code = "message_error"
