"""Verb functions of the investment domain; each runs in one ``atomic()`` transaction.

A verb commits when it succeeds (or joins its caller's ``atomic()`` block) and rolls everything back
when it refuses: InvestError (a user-facing message), werkzeug Forbidden (a missing role) or
InvalidTransition (409). Routes call a verb and never commit.
"""

from marketplace.errors import DomainError


class InvestError(DomainError):
    """Bad input or a refused action; the message is user-facing and nothing was changed."""

    status = 400
    code = "invest_refused"
