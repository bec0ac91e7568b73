"""Verb functions of the investment domain; each runs in the caller's one transaction.

Routes commit after a service returns; a service that refuses raises before anything is flushed
(InvestError: a user-facing message; werkzeug Forbidden: a missing role; InvalidTransition: 409).
"""


class InvestError(ValueError):
    """Bad input or a refused action; the message is user-facing and nothing was changed."""
