"""The Stripe SDK, configured from the app: keys and (for tests and demos) the API's address.

The SDK is imported on first use, not with the app: it is ~15 MB per process, and a worker that
serves no payment never needs it. Other modules use ``from payments.stripe_api import stripe``
(``except stripe.StripeError``, ``stripe.Webhook``), which imports it when first touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app

if TYPE_CHECKING:
    import stripe as stripe_sdk


def sdk():
    """The ``stripe`` module (imported here on first use)."""
    import stripe as stripe_sdk

    return stripe_sdk


class _LazyStripe:
    """Stands for the ``stripe`` module and imports it when an attribute is first read."""

    def __getattr__(self, name: str):
        return getattr(sdk(), name)


stripe = _LazyStripe()


def enabled() -> bool:
    cfg = current_app.config
    return bool(cfg.get("STRIPE_SECRET_KEY") and cfg.get("STRIPE_PUBLISHABLE_KEY"))


def _client(base: str | None) -> stripe_sdk.StripeClient:
    cache = current_app.extensions.setdefault("payments_stripe", {})
    key = (current_app.config["STRIPE_SECRET_KEY"], base)
    if key not in cache:
        kwargs = {"base_addresses": {"api": base.rstrip("/")}} if base else {}
        cache[key] = sdk().StripeClient(current_app.config["STRIPE_SECRET_KEY"], max_network_retries=2, **kwargs)
    return cache[key]


def client() -> stripe_sdk.StripeClient:
    return _client(current_app.config.get("STRIPE_API_BASE"))


def connect_client() -> stripe_sdk.StripeClient:
    """Accounts, Account Links, Transfers (a different address only where tests fake Connect)."""
    cfg = current_app.config
    return _client(cfg.get("STRIPE_CONNECT_API_BASE") or cfg.get("STRIPE_API_BASE"))


def origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def charge_of(intent) -> tuple[str | None, int]:
    """(charge id, amount refunded) of an intent's latest charge: localstripe expands it, Stripe
    returns its id."""
    charge = getattr(intent, "latest_charge", None)
    if charge is None:
        return None, 0
    if isinstance(charge, str):
        return charge, 0
    return charge.id, int(getattr(charge, "amount_refunded", 0) or 0)


def received_amount(intent) -> int:
    """What the intent collected: ``amount_received`` where Stripe gives it, else the amount of a
    succeeded intent (localstripe leaves amount_received out)."""
    value = getattr(intent, "amount_received", None)
    if value is not None:
        return int(value)
    return int(intent.amount) if intent.status == "succeeded" else 0


def currency() -> str:
    """The marketplace's currency as Stripe writes it (lower case)."""
    return current_app.config["CURRENCY"].lower()
