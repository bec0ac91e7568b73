"""Migration 0017 (sign-in by phone) keeps the data it finds, on SQLite and on PostgreSQL, and its
downgrade gives accounts without an e-mail address a placeholder one (e-mail is required again)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.config import normalise_database_url
from tests.marketplace import test_migrations
from tests.marketplace.test_migrations import _flask_db, _rows

#: the fresh SQLite and PostgreSQL databases of test_migrations
empty_database = test_migrations.empty_database


def _execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_0017_keeps_users_and_mail_and_its_downgrade_keeps_phone_accounts(empty_database, tmp_path):
    data, now = tmp_path / "data", "'2026-12-01 08:00:00+00:00'"
    _flask_db(["upgrade", "0014"], empty_database, data)
    _execute(empty_database,
             "INSERT INTO users (id, email, name, phone, password_hash, locale, active, auth_version, created_at) "
             f"VALUES (1, 'wang@example.com', '王芳', '0370-1234567', 'x', 'zh_CN', TRUE, 1, {now})",
             "INSERT INTO outbox_messages (id, to_addr, subject, body_text, locale, template, status, attempts, "
             f"created_at) VALUES (1, 'wang@example.com', '欢迎', '正文', 'zh_CN', 'welcome', 'queued', 0, {now})")

    _flask_db(["upgrade", "head"], empty_database, data)
    assert _rows(empty_database, "SELECT id, email, phone, mobile FROM users") == {
        (1, "wang@example.com", "0370-1234567", None)}  # a typed contact phone is not a verified number
    assert _rows(empty_database, "SELECT id, channel, sms_params FROM outbox_messages") == {(1, "email", None)}
    _execute(empty_database,
             "INSERT INTO users (id, email, mobile, name, password_hash, locale, active, auth_version, created_at) "
             f"VALUES (2, NULL, '+8615603700003', '马桂兰', '!none', 'zh_CN', TRUE, 1, {now})")

    _flask_db(["downgrade", "0014"], empty_database, data)
    assert _rows(empty_database, "SELECT id, email FROM users") == {
        (1, "wang@example.com"), (2, "mobile-2@phone.invalid")}
    assert _rows(empty_database, "SELECT id, to_addr FROM outbox_messages") == {(1, "wang@example.com")}
