"""The browser harness: Playwright on Debian's Chromium against the app served from a thread.

``live_server`` is the base URL (a ``str``) of a real HTTP server running the app with CSRF on, as in
production, on its own data folder and the suite's test database; its ``.app`` is the Flask app
(for setting up data inside ``with live_server.app.app_context():``) and ``.url(endpoint, **values)``
builds absolute URLs. Playwright's ``page`` is bound to it: ``page.goto("/account/login")`` works.
The browser starts in Chinese (a visitor in Shangqiu); English comes from the header button.

Without /usr/bin/chromium every e2e test is skipped with the reason; never `playwright install`.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask, url_for
from werkzeug.serving import make_server

from marketplace import create_app
from tests.e2e.helpers import shorter_timeouts

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SKIP_REASON = ("browser tests need Debian's Chromium at /usr/bin/chromium and a CJK font "
               "(apt-get install chromium fonts-wqy-microhei; .ci/run installs them)")
SUITE_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"


def _suite():
    """tests/conftest.py as pytest loaded it (its module name depends on the import mode)."""
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve() == SUITE_CONFTEST:
            return module
    spec = importlib.util.spec_from_file_location("_suite_conftest", SUITE_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _server_threads() -> str:
    """The stack of every thread but the test's own: where a request the browser waits for is stuck."""
    frames = sys._current_frames()  # noqa: SLF001 - diagnostics only
    out = []
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.ident not in frames:
            continue
        out.append(f"--- {thread.name}\n" + "".join(traceback.format_stack(frames[thread.ident])[-12:]))
    return "\n".join(out) or "(no other thread)"


def _database_activity(app: Flask) -> str:
    """PostgreSQL's view of the test database's other sessions: a lock wait shows here."""
    from marketplace.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return "(SQLite)"
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT pid, state, wait_event_type, wait_event, now() - xact_start, left(query, 300) "
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").all()
    return "\n".join(" | ".join(str(v) for v in row) for row in rows) or "(no other session)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed journey's report carries the live server's threads and the database's sessions, so a
    timeout seen once in CI says where the server was (a test cannot be re-run there)."""
    report = yield
    if report.when == "call" and report.failed and item.get_closest_marker("e2e"):
        report.sections.append(("live server threads", _server_threads()))
        server = item.funcargs.get("live_server")
        if server is not None:
            try:
                report.sections.append(("database sessions", _database_activity(server.app)))
            except Exception as exc:  # noqa: BLE001 - diagnostics must not hide the failure
                report.sections.append(("database sessions", f"unavailable: {exc!r}"))
    return report


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url():
    """Replaces pytest-playwright's own (a class-method fixture pytest 9 warns about); the live
    server's URL is set per test in ``browser_context_args``."""
    return None


class LiveServer(str):
    """The base URL of the running app, with the app itself at hand."""

    app: Flask

    def __new__(cls, base: str, app: Flask):
        obj = super().__new__(cls, base)
        obj.app = app
        return obj

    def url(self, endpoint: str, **values) -> str:
        with self.app.test_request_context():
            return self + url_for(endpoint, **values)

    def has_endpoint(self, endpoint: str) -> bool:
        return endpoint in self.app.view_functions


@pytest.fixture
def live_app(_schema, tmp_path):
    """The app a live server runs: CSRF on, its own data folder, the suite's database, regions loaded."""
    suite = _suite()
    config = suite.make_config(_schema, tmp_path / "live-data", WTF_CSRF_ENABLED=True)
    app = create_app(config)
    from marketplace.regions.services import configured_files, load_regions

    with app.app_context():
        load_regions(configured_files())
    yield app
    suite.empty_tables(app)


def _buffered(app: Flask):
    """``app`` with each body read and its iterator closed before the server writes a byte.

    Werkzeug's development server skips ``close()`` on the response iterator when the browser resets
    the connection while the server drains the socket (an image request cancelled by a navigation), so
    the open media file is left to the garbage collector and pytest reports a ResourceWarning in
    whichever test runs next. gunicorn, which production uses, closes it; the test server buffers."""
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


@contextmanager
def serve(app: Flask):
    """Serve ``app`` on 127.0.0.1 and a free port from a background thread, for the block's duration."""
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@pytest.fixture
def live_server(live_app):
    """``live_app`` served on 127.0.0.1 and a free port from a background thread."""
    with serve(live_app) as server:
        yield server


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    """Every page talks to the live server, in Chinese, in Shangqiu's time zone, at desktop width."""
    return {**browser_context_args, "base_url": str(live_server), "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai", "viewport": {"width": 1000, "height": 800}}


@pytest.fixture
def page(page):
    """Playwright's page with the suite's timeouts (shorter_timeouts)."""
    return shorter_timeouts(page)


@pytest.fixture
def wechat_live(live_server, tmp_path):
    """The live app paying by WeChat Pay against the local fake of its v3 API (no Stripe)."""
    from tests.payments.fake_wechatpay import FakeWeChatPay

    fake = FakeWeChatPay(tmp_path / "wechatpay").start()
    live_server.app.config.update(STRIPE_SECRET_KEY=None, STRIPE_PUBLISHABLE_KEY=None, PUBLIC_BASE_URL=str(live_server),
                                  **fake.config())
    yield fake
    fake.stop()
