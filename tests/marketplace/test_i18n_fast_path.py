"""The request's translations are kept for the request (marketplace.i18n.RequestDomain) and the
templates' ``_()`` is one call (``_template_gettext``): the same text as Flask-Babel's own path, in
the request's language, in a forced one (a mail in the recipient's language) and back again."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, gettext, refresh

from marketplace.i18n import RequestDomain

ZH, EN = "%(label)s：%(error)s", "%(label)s: %(error)s"


def test_python_gettext_follows_force_locale_and_comes_back(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext(ZH, label="a", error="b") == "a: b"  # the request's language, kept
        assert gettext(ZH, label="a", error="b") == "a: b"  # ... and read from what is kept
        with force_locale("zh_CN"):
            assert gettext(ZH, label="a", error="b") == "a：b"
            with force_locale("en"):
                assert gettext(ZH, label="a", error="b") == "a: b"
            assert gettext(ZH, label="a", error="b") == "a：b"
        assert gettext(ZH, label="a", error="b") == "a: b"
    # another request (its own app context and g, as in a server): its own language
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert gettext(ZH, label="a", error="b") == "a：b"


def test_a_locale_chosen_again_within_the_request_is_followed(app):
    """Flask-Babel's ``refresh()`` forgets the request's locale: the next string is in the new one."""
    from flask import session

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert gettext(ZH, label="a", error="b") == "a：b"
        session["locale"] = "en"
        refresh()
        assert gettext(ZH, label="a", error="b") == "a: b"


def test_the_templates_underscore_matches_jinjas_newstyle_gettext(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string("{{ _('%(label)s：%(error)s', label='<b>', error=e) }}", e="&")
        assert html == "&lt;b&gt;: &amp;"  # autoescaped: the values are escaped, the text is not
        assert render_template_string("{{ _('100%%') }}") == "100%"  # always %-formatted, as Jinja does
        with force_locale("zh_CN"):
            assert render_template_string("{{ _('%(label)s：%(error)s', label=1, error=2) }}") == "1：2"
            assert RequestDomain().get_translations().ugettext(ZH) == ZH
        assert render_template_string("{{ _('%(label)s：%(error)s', label=1, error=2) }}") == "1: 2"
        # a template that is not autoescaped (a plain-text mail) gets plain text, values as they are
        plain = app.jinja_env.from_string("{% autoescape false %}{{ _(s, label='<b>', error='&') }}"
                                          "{% endautoescape %}")
        assert plain.render(s=ZH) == "<b>: &"
        # {% trans %} blocks and ngettext still go through Jinja's own callables
        assert render_template_string("{% trans n=2 %}{{ n }} item{% pluralize %}{{ n }} items{% endtrans %}") \
            == "2 items"


def test_outside_a_request_the_default_language(app):
    assert gettext(ZH, label="a", error="b") == "a：b"
