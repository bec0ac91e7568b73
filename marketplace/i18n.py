"""Languages: Chinese first, English second. The choice is kept in the session and on the user."""

from __future__ import annotations

from flask import Blueprint, current_app, g, has_request_context, redirect, request, session
from flask_babel import Domain, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from marketplace.db import atomic
from marketplace.errors import database_unavailable
from marketplace.security import safe_next

bp = Blueprint("i18n", __name__)


def _request_babel():
    """Flask-Babel's per-request namespace (its locale), None outside an app context: one lookup of
    ``g`` instead of the three each of Flask-Babel's own helpers makes."""
    try:
        return g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:
        return None


def _kept_translations(ctx):
    """The translations kept for the namespace's current locale, or None."""
    kept = ctx.__dict__.get("marketplace_translations") if ctx is not None else None
    return kept[1] if kept is not None and kept[0] is getattr(ctx, "babel_locale", None) else None


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's translations kept for the request.

    Each ``gettext`` (about 80 on a page, half of them in templates) asked Flask-Babel for the
    translations anew: the request's locale, its ``str()`` and a cache look-up, 5-8 µs a call, up to
    a tenth of a page's CPU. The translations are kept beside the locale they are for, in Flask-Babel's
    own per-request namespace, so ``force_locale`` (a mail in the recipient's language), which swaps
    that locale, gets its own, and the page's again when it restores the page's locale.
    """

    def get_translations(self):
        ctx = _request_babel()
        translations = _kept_translations(ctx)
        if translations is None:
            translations = super().get_translations()
            locale = getattr(ctx, "babel_locale", None)
            if locale is not None:  # (None: outside a request, or its locale not chosen yet)
                ctx.marketplace_translations = (locale, translations)
        return translations


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables):
    """The templates' ``_()``: Jinja's "newstyle" gettext (autoescaped when the template is, always
    %-formatted) in one call instead of the three nested calls of Jinja's alias (a third of it), with
    the kept translations straight away. ``{% trans %}``, ``ngettext`` and ``pgettext`` (a few in all
    the templates) keep Flask-Babel's callables, which reach the same kept translations."""
    translated = (_kept_translations(_request_babel()) or get_translations()).ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704  (our own catalogue, as Jinja marks it)
    # Jinja formats it always ("100%%" shows "100%"); a text without "%" is what formatting gives
    return translated % variables if variables or "%" in translated else translated


def install_translations(app, babel) -> None:
    """The request's translations kept for the request (the Babel extension every app shares gets the
    domain once) and the templates' ``_()``."""
    if not isinstance(babel.__dict__.get("domain_instance"), RequestDomain):  # Flask-Babel's cached_property
        babel.domain_instance = RequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.globals["_"] = _template_gettext


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
