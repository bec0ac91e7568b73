"""The notification types every domain declares from its own ``init_app``.

A type is a key ("orders.paid"), a label and a description for the preferences page, a group, the
channels it may use and those on by default, whether the user may turn it off, and how its in-app
text is written from the parameters stored with each notification (rendered in the reader's
language when it is shown, never frozen). It may name the mail templates whose notices it is
(``marketplace.mail.notices.notify`` looks the template up here), ``audience`` telling a buyer's
notice from a merchant's when both use one template. Example (orders/__init__.py)::

    register_type(app, "orders.paid", label=_l("订单已付款"), group=_l("订单"),
                  text=_l("订单 %(order)s 已付款"), templates=("order_paid",), audience="buyer")

A key that is not registered fails loudly (UnknownNotificationType), in tests as in production.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

IN_APP, EMAIL, SMS = "in_app", "email", "sms"
#: Every channel, in the order the preferences grid shows them.
CHANNELS = (IN_APP, EMAIL, SMS)
CHANNEL_LABELS = {IN_APP: _l("站内通知"), EMAIL: _l("电子邮件"), SMS: _l("短信")}

ON, OFF, DIGEST = "on", "off", "digest"
#: The modes a channel can be set to (DIGEST: e-mail only, one mail a day).
MODES = (ON, OFF, DIGEST)
MODE_LABELS = {ON: _l("开启"), OFF: _l("关闭"), DIGEST: _l("每日摘要")}

#: "buyer" / "merchant": which side a notice of a shared mail template is for (its ``for_merchant``).
AUDIENCES = ("buyer", "merchant")


class UnknownNotificationType(LookupError):
    """No type is registered under that key (a typo, or the domain is not installed)."""


class _Blank(dict):
    def __missing__(self, key):
        return ""


@dataclass(frozen=True)
class NotificationType:
    key: str
    label: Any
    group: Any
    #: The in-app text, a lazy string with %(name)s placeholders filled from the stored parameters.
    text: Any
    description: Any = ""
    channels: tuple[str, ...] = CHANNELS
    defaults: tuple[str, ...] = CHANNELS
    #: False for security and account notices: always sent on the default channels.
    optional: bool = True
    #: Mail templates (``templates/email/<name>``) whose notices are this type.
    templates: tuple[str, ...] = ()
    #: For a template shared by both sides: which side (``for_merchant`` in the notice's context).
    audience: str | None = None
    #: The stored parameters from a notice's ``sms`` values and context (default: the sms values).
    params: Callable[[dict, dict], dict] | None = None
    #: The notice's subject (kind, id) from its context, or None.
    subject: Callable[[dict], tuple[str, int] | None] | None = None
    #: Extra words for the text, by parameter: {"event": {"approved": _l("已同意"), ...}}.
    words: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def render(self, params: dict) -> str:
        """The text in the current language (unknown or missing parameters become empty)."""
        values = _Blank({k: str(v) for k, v in (params or {}).items()})
        for name, table in self.words.items():
            values[name] = str(table.get(values[name], values[name]))
        return str(self.text) % values

    def stored_params(self, sms: dict | None, context: dict) -> dict:
        if self.params is not None:
            return {k: str(v) for k, v in self.params(sms or {}, context).items()}
        return {k: str(v) for k, v in (sms or {}).items()}

    def subject_of(self, context: dict) -> tuple[str | None, int | None]:
        found = self.subject(context) if self.subject else None
        return found if found else (None, None)


def subject_from(name: str, kind: str | None = None) -> Callable[[dict], tuple[str, int] | None]:
    """A ``subject`` for register_type: the context's ``name`` (a row, or its id) as ``(kind, id)``;
    ``kind`` defaults to ``name``."""
    def subject(context: dict) -> tuple[str, int] | None:
        found = context.get(name)
        if found is None:
            return None
        return (kind or name, found if isinstance(found, int) else found.id)
    return subject


def _state(app: Flask) -> dict:
    return app.extensions.setdefault("notification_types", {"types": {}, "templates": {}})


def register_type(app: Flask, key: str, **kwargs) -> NotificationType:
    """Declare a notification type (from the owning domain's ``init_app``); see the module."""
    state = _state(app)
    if key in state["types"]:
        raise RuntimeError(f"notification type {key!r} is registered twice")
    if "." not in key or len(key) > 60:
        raise ValueError(f"notification type {key!r}: the key is 'domain.event', at most 60 characters")
    kind = NotificationType(key=key, **kwargs)
    unknown = set(kind.channels) - set(CHANNELS)
    if unknown or not set(kind.defaults) <= set(kind.channels):
        raise ValueError(f"notification type {key!r}: channels {kind.channels}, defaults {kind.defaults}")
    if kind.audience not in (None, *AUDIENCES):
        raise ValueError(f"notification type {key!r}: audience must be one of {AUDIENCES}")
    for template in kind.templates:
        slot = (template, kind.audience)
        if slot in state["templates"]:
            raise RuntimeError(f"mail template {template!r} ({kind.audience}) already belongs to "
                               f"{state['templates'][slot]!r}")
        state["templates"][slot] = key
    state["types"][key] = kind
    return kind


def types(app: Flask | None = None) -> dict[str, NotificationType]:
    """Every registered type by key, in registration order."""
    return _state(app or current_app)["types"]


def get_type(key: str, app: Flask | None = None) -> NotificationType:
    try:
        return types(app)[key]
    except KeyError:
        raise UnknownNotificationType(f"no notification type {key!r}") from None


def type_for_template(template: str, context: dict, app: Flask | None = None) -> NotificationType | None:
    """The type whose notices use mail ``template`` (for the side ``context`` is for), or None."""
    slots = _state(app or current_app)["templates"]
    audience = "merchant" if context.get("for_merchant") else "buyer"
    key = slots.get((template, audience)) or slots.get((template, None))
    return types(app)[key] if key else None


def grouped(app: Flask | None = None) -> list[tuple[str, list[NotificationType]]]:
    """The types by group (label text), groups in the order of their first type."""
    groups: dict[str, list[NotificationType]] = {}
    for kind in types(app).values():
        groups.setdefault(str(kind.group), []).append(kind)
    return list(groups.items())
