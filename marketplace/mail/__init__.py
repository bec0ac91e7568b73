"""Outgoing e-mail through an outbox table."""


def init_app(app):
    from marketplace.mail.services import init_app as _init

    _init(app)
