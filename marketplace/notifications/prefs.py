"""Which channels a notice goes out on, for one user: the type's defaults, then his stored choices.

Defaults keep what the outbox did before the centre existed: e-mail to an account with an address,
SMS only to an account with a mobile number and no address (farmers, stall-holders); a user with
both may turn SMS on himself. A channel he cannot be reached on (no address, no verified mobile) is
off whatever is stored. A type that is not optional (account and security notices) ignores choices.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from contextlib import contextmanager

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import gettext as _

from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.notifications.models import NotificationPreference
from marketplace.notifications.registry import (
    CHANNELS,
    DIGEST,
    EMAIL,
    IN_APP,
    MODES,
    OFF,
    ON,
    SMS,
    NotificationType,
    UnknownNotificationType,
    get_type,
    types,
)


class NotificationError(DomainError):
    status = 400
    code = "notification_error"


def reachable(user, channel: str) -> bool:
    if channel == EMAIL:
        return bool(user.email)
    if channel == SMS:
        return bool(getattr(user, "mobile", None))
    return True


def defaults_for(kind: NotificationType, user) -> dict[str, str]:
    modes = {}
    for channel in CHANNELS:
        on = channel in kind.defaults and reachable(user, channel)
        if channel == SMS and user.email:
            on = False  # an SMS is the fallback of an account without an address, unless asked for
        modes[channel] = ON if on else OFF
    return modes


def effective(kind: NotificationType, user, stored: dict[str, str] | None = None) -> dict[str, str]:
    """{channel: "on" | "off" | "digest"} for ``user`` (``stored``: his rows for this type)."""
    modes = defaults_for(kind, user)
    if kind.optional:
        for channel, mode in (stored or {}).items():
            if channel in kind.channels and reachable(user, channel):
                modes[channel] = mode
    return modes


@functools.cache
def _stored_statement(by_key: bool):
    query = sa.select(NotificationPreference.user_id, NotificationPreference.type_key,
                      NotificationPreference.channel, NotificationPreference.mode
                      ).where(NotificationPreference.user_id.in_(sa.bindparam("ids", expanding=True)))
    if by_key:
        query = query.where(NotificationPreference.type_key.in_(sa.bindparam("keys", expanding=True)))
    return query


def stored_for(user_ids: Iterable[int], keys: Iterable[str] | None = None) -> dict[tuple[int, str], dict[str, str]]:
    """{(user id, type key): {channel: mode}} of the stored choices, in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    params = {"ids": ids} if keys is None else {"ids": ids, "keys": sorted(set(keys))}
    found: dict[tuple[int, str], dict[str, str]] = {}
    for user_id, key, channel, mode in db.session.execute(_stored_statement(keys is not None), params):
        found.setdefault((user_id, key), {})[channel] = mode
    return found


@contextmanager
def preloaded(user_ids: Iterable[int], keys: Iterable[str]):
    """Inside the block, ``modes_for`` answers these users and types from one query made here (a
    notice to every matching shop's owners would otherwise cost a query per recipient)."""
    user_ids, keys = set(user_ids), set(keys)
    found = stored_for(user_ids, keys)
    previous = g.get("notification_prefs")
    g.notification_prefs = (user_ids, keys, found)
    try:
        yield
    finally:
        g.notification_prefs = previous


def modes_for(user, kind: NotificationType) -> dict[str, str]:
    cached = g.get("notification_prefs") if has_app_context() else None
    if cached is not None and user.id in cached[0] and kind.key in cached[1]:
        return effective(kind, user, cached[2].get((user.id, kind.key)))
    return effective(kind, user, stored_for([user.id], [kind.key]).get((user.id, kind.key)))


def grid(user) -> dict[str, dict[str, str]]:
    """{type key: {channel: mode}} of every registered type for ``user`` (the preferences page)."""
    stored = stored_for([user.id])
    return {key: effective(kind, user, stored.get((user.id, key))) for key, kind in types().items()}


def _check(user, key: str, channel: str, mode: str) -> NotificationType:
    try:
        kind = get_type(key)
    except UnknownNotificationType:
        raise NotificationError(_("没有这种通知：%(key)s", key=key[:60]), code="unknown_type", field="type") from None
    if channel not in CHANNELS:
        raise NotificationError(_("没有这种通知渠道：%(channel)s", channel=channel[:20]), code="unknown_channel",
                                field="channel")
    if mode not in MODES or (mode == DIGEST and channel != EMAIL):
        raise NotificationError(_("这个渠道不能设为“%(mode)s”", mode=mode[:20]), code="unknown_mode", field="mode")
    if not kind.optional:
        raise NotificationError(_("“%(label)s”是账户和安全通知，不能更改", label=kind.label), code="not_optional",
                                field="type")
    if channel not in kind.channels or not reachable(user, channel):
        raise NotificationError(_("“%(label)s”不能通过这个渠道发送给您", label=kind.label),
                                code="channel_unavailable", field="channel")
    return kind


def set_preferences(user, changes: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """Apply (type key, channel, mode) choices, all or none; a choice equal to the default is stored as
    no row. A daily digest needs the in-app notice (the digest lists unread notifications)."""
    changes = list(changes)
    stored = stored_for([user.id])
    wanted: dict[str, dict[str, str]] = {}
    for key, channel, mode in changes:
        _check(user, key, channel, mode)
        wanted.setdefault(key, dict(stored.get((user.id, key), {})))[channel] = mode
    for key, choice in wanted.items():
        kind = get_type(key)
        modes = effective(kind, user, choice)
        if modes[EMAIL] == DIGEST and modes[IN_APP] != ON:
            raise NotificationError(_("“%(label)s”选了每日摘要，站内通知就不能关闭", label=kind.label),
                                    code="digest_needs_in_app", field="mode")
    with atomic():
        for key, choice in wanted.items():
            defaults = defaults_for(get_type(key), user)
            db.session.execute(sa.delete(NotificationPreference).where(
                NotificationPreference.user_id == user.id, NotificationPreference.type_key == key))
            for channel, mode in choice.items():
                if mode != defaults[channel]:
                    db.session.add(NotificationPreference(user_id=user.id, type_key=key, channel=channel, mode=mode))
    return grid(user)
