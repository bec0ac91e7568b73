"""Outgoing e-mail and SMS through an outbox table."""

from flask import Flask


def init_app(app: Flask) -> None:
    from marketplace.domains import register
    from marketplace.mail.services import init_app as _init
    from marketplace.mail.sms import init_app as _init_sms

    register(app, "mail", package=__name__, models=("models",), cli=("cli",))
    _init(app)
    _init_sms(app)
