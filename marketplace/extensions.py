"""Extensions, created unbound and bound to the app in create_app() with init_app()."""

import re
import time
import weakref

import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

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


#: What a statement that only reads starts with (a WITH is a read when nothing in it writes).
_READ_HEAD = re.compile(r"\s*(?:SELECT|SHOW|(WITH))\b", re.IGNORECASE)
_WRITE_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def _writes(statement: str, context) -> bool:
    """Whether a statement may have changed something (anything but a plain read counts)."""
    if context is None or context.isinsert or context.isupdate or context.isdelete or context.isddl:
        return True
    head = _READ_HEAD.match(statement)
    return head is None or (head.group(1) is not None and _WRITE_WORD.search(statement) is not None)


#: Each session transaction's connection, once it has one (a transaction whose connection failed
#: has none: ending it must not try to connect again).
_CONNECTION_OF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@sa.event.listens_for(Session, "after_begin")
def _began_on(_session, transaction, connection) -> None:
    _CONNECTION_OF[transaction] = connection


def end_reads_with_commit(app, engine: sa.Engine) -> None:
    """End a request's transaction that only read with COMMIT, not ROLLBACK, on PostgreSQL.

    psycopg prepares a statement on its fifth execution on a connection, so that PostgreSQL plans it
    once instead of every time; but it forgets every prepared statement on ROLLBACK (one may name an
    object the rolled-back transaction created). A read request's transaction used to end with the
    session's ROLLBACK: nothing was ever prepared, and planning took more of PostgreSQL's time than
    running the statements (a product page: 1.8 ms of 2.6). COMMIT and ROLLBACK of a transaction
    that changed nothing have the same effect. A transaction that wrote anything (a statement other
    than a read, an object or a job pending in the session, an exception) still ends as before:
    whatever did not go through ``atomic()`` is rolled back, never committed by this.
    """

    @sa.event.listens_for(engine, "begin")
    def _began(conn):
        conn.info["wrote"] = False

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _executed(conn, _cursor, statement, _parameters, context, _executemany):
        if not conn.info.get("wrote") and _writes(statement, context):
            conn.info["wrote"] = True

    @app.teardown_appcontext  # registered after Flask-SQLAlchemy's, so it runs first
    def _end_reads(exc):
        if exc is not None or not db.session.registry.has():
            return
        session = db.session()
        if (not session.in_transaction() or session.new or session.dirty or session.deleted
                or any(value for key, value in session.info.items() if key != "atomic_depth")):
            return  # something is pending (an object, a job, a change to index): rolled back as before
        connection = _CONNECTION_OF.get(session.get_transaction())
        if connection is None or connection.info.get("wrote", True):
            return
        try:
            session.commit()
        except sa.exc.SQLAlchemyError:  # the connection broke: the session's removal rolls back
            return


def init_db(app) -> None:
    """Bind ``db`` and give each server database's engine the idle ping (see ping_when_idle).

    ``hide_parameters``: a failed statement's exception (and so its log line) never carries the
    values bound to it, which are e-mails, phones and addresses as often as not."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "hide_parameters": options.get("hide_parameters", True)}
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "postgresql":
                end_reads_with_commit(app, engine)
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
