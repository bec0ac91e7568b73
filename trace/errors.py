"""The trace refusal: a DomainError (a message in the user's language, a status, a field)."""

from __future__ import annotations

from marketplace.errors import DomainError


class TraceError(DomainError):
    status = 400
    code = "trace_error"
