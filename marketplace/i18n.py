"""Languages: Chinese first, English second. The choice is kept in the session and on the user."""

from __future__ import annotations

from flask import Blueprint, current_app, has_request_context, redirect, request, session
from flask_babel import get_locale
from flask_login import current_user

from marketplace.db import atomic
from marketplace.errors import database_unavailable
from marketplace.security import safe_next

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    saved = _saved_locale()
    if saved in languages:
        return saved
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"]) if request else None
    if best and best.startswith("en"):
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _saved_locale() -> str | None:
    """The signed-in user's saved language; None for a visitor, or when the user cannot be loaded
    because the database is down (the outage page is still shown in the browser's language)."""
    try:
        return current_user.locale if getattr(current_user, "is_authenticated", False) else None
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        return None


def current_locale_code() -> str:
    """'zh_CN' or 'en' (Babel's own str() of zh_CN is 'zh_Hans_CN')."""
    loc = get_locale()
    return "en" if loc is not None and loc.language == "en" else "zh_CN"


@bp.post("/language")
def set_language():
    code = request.form.get("locale", "")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if getattr(current_user, "is_authenticated", False):
            with atomic():
                current_user.locale = code
    return redirect(safe_next(request.form.get("next"), "/"))
