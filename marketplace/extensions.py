"""Extensions, created unbound and bound to the app in create_app() with init_app()."""

import time

import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from marketplace.db import db  # noqa: F401  (the one SQLAlchemy instance, defined beside its Base)


def ping_when_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a round trip only when it has been idle for ``idle_seconds``.

    ``pool_pre_ping`` pings on every checkout, i.e. one more round trip per request. A connection
    used a moment ago is almost surely alive; one that sat idle (a database restart, a firewall
    dropping idle connections) is checked, and replaced without the request noticing. What this
    gives up: a request within ``idle_seconds`` of a database restart can fail once; SQLAlchemy
    then discards the whole pool, so the next requests reconnect.
    """

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        last = record.info.get("checked_in_at")  # None: connected just now
        if last is None or time.monotonic() - last < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise sa.exc.DisconnectionError() from exc  # the pool connects anew
            raise


def init_db(app) -> None:
    """Bind ``db`` and give each server database's engine the idle ping (see ping_when_idle).

    ``hide_parameters``: a failed statement's exception (and so its log line) never carries the
    values bound to it, which are e-mails, phones and addresses as often as not."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "hide_parameters": options.get("hide_parameters", True)}
    db.init_app(app)
    idle = app.config.get("DATABASE_PING_IDLE_SECONDS")
    if not idle or app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("pool_pre_ping"):
        return
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name != "sqlite":
                ping_when_idle(engine, float(idle))


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: Storage comes from RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set, memory otherwise).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
