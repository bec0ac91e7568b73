"""Payments' HTML routes by audience: buyer (paying), merchant (settings, refunds, statement), admin,
and Stripe's webhook. The domain registry imports each module (payments/__init__.py)."""
