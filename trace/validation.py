"""Reading the fields of a batch, its inputs and tests from a form or JSON: each problem is collected
under its field name and refused all at once (a TraceError with ``errors``), nothing half-read."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from marketplace.text import has_forbidden, single_line
from trace.errors import TraceError


class Fields:
    """Collects the clean values and the messages of one submission."""

    def __init__(self, data: dict | None):
        self.data = data or {}
        self.errors: dict[str, list[str]] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def text(self, field: str, label: str, limit: int, *, required: bool = False, key: str | None = None) -> str:
        raw = self.data.get(key or field)
        if raw is not None and not isinstance(raw, str):
            self.fail(field, _("%(field)s格式不正确", field=label))
            return ""
        if raw and has_forbidden(raw):
            self.fail(field, _("%(field)s含有不允许的字符", field=label))
            return ""
        text = single_line(raw or "", limit + 1)
        if required and not text:
            self.fail(field, _("请填写%(field)s", field=label))
        elif len(text) > limit:
            self.fail(field, _("%(field)s最多 %(n)d 个字", field=label, n=limit))
        return text[:limit]

    def whole(self, field: str, label: str, lowest: int, highest: int, *, required: bool = True,
              key: str | None = None) -> int | None:
        raw = self.data.get(key or field)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.fail(field, _("请填写%(field)s", field=label))
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            self.fail(field, _("%(field)s必须是整数", field=label))
            return None
        try:
            number = int(str(raw).strip())
        except ValueError:
            self.fail(field, _("%(field)s必须是整数", field=label))
            return None
        if not lowest <= number <= highest:
            self.fail(field, _("%(field)s必须在 %(low)d 到 %(high)d 之间", field=label, low=lowest, high=highest))
            return None
        return number

    def date(self, field: str, label: str, *, required: bool = True, key: str | None = None) -> dt.date | None:
        raw = self.data.get(key or field)
        if isinstance(raw, dt.date):
            raw = raw.isoformat()
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.fail(field, _("请填写%(field)s", field=label))
            return None
        try:
            value = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            self.fail(field, _("%(field)s不是有效日期（年-月-日）", field=label))
            return None
        if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
            self.fail(field, _("%(field)s不是有效日期（年-月-日）", field=label))
            return None
        return value

    def check(self) -> None:
        if self.errors:
            field, messages = next(iter(self.errors.items()))
            raise TraceError(messages[0], field=field, errors=self.errors)


def rows_from_form(form, prefix: str, keys: tuple[str, ...], count: int) -> list[dict]:
    """The filled rows of a repeated form block (``<prefix>-<n>-<key>``, n from 1); empty rows skipped."""
    rows = []
    for n in range(1, count + 1):
        row = {key: form.get(f"{prefix}-{n}-{key}", "") for key in keys}
        if any(str(value).strip() for value in row.values()):
            rows.append(row)
    return rows


def local_today() -> dt.date:
    """Today in the site's time zone (a harvest "today" in Shangqiu is not tomorrow in UTC terms)."""
    from marketplace.db import utcnow
    from marketplace.figures import site_zone

    return utcnow().astimezone(site_zone()).date()
