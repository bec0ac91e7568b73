"""Personal information (PIPL, 个人信息保护法): masking, consent, the user's data export, account deletion.

- ``masking``: the one set of masked forms (138****5678, z***@example.com, 张*, the county of an
  address) and the Jinja filters ``mask_phone``/``mask_email``/``mask_name``/``mask_address``.
- ``consent``: the privacy policy's version (``POLICY_VERSION``), consent records at sign-up and
  again for a new version (a banner asks signed-in users).
- ``registry``: each domain declares the personal data it holds (``register_personal_data``): how
  to export it, how to anonymise it, and what blocks a deletion (an open order, an active shop).
- ``export`` and ``erasure``: the user's download and the deletion, built on that registry.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask

bp = Blueprint("privacy", __name__)

#: Defaults of the settings (each can be set from the environment or create_app's config).
DEFAULTS = {
    # The version of the privacy policy and user agreement; a new value asks every user to accept again.
    "POLICY_VERSION": ("MARKETPLACE_POLICY_VERSION", "2026-05"),
    # Where users write about their personal information (shown on the policy page).
    "PRIVACY_CONTACT_EMAIL": ("MARKETPLACE_PRIVACY_CONTACT", "privacy@shangqiu-market.example"),
}
#: Days after an order closes (completed, cancelled, expired) during which its shop still sees the
#: buyer's delivery contact in full (after-sales, returns); masked from then on.
CONTACT_WINDOW_DAYS = 30
#: Rows per section of a data export (an export is built in the request: it must stay bounded).
EXPORT_MAX_ROWS = 5000


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, register
    from marketplace.privacy import consent, masking

    for key, (env, default) in DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(env) or default)
    app.config.setdefault("PRIVACY_CONTACT_WINDOW_DAYS", CONTACT_WINDOW_DAYS)
    app.config.setdefault("PRIVACY_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS)
    app.config.setdefault("RATELIMIT_EXPORT", "5 per hour")
    app.jinja_env.filters.update(masking.FILTERS)
    app.context_processor(consent.template_values)
    register(app, "privacy", package=__name__, blueprint=bp, routes=("views", "admin_views"), models=("models",),
             nav=(NavItem("privacy.account", _l("隐私与数据"), menu="user", order=90),))
