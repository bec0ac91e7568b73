"""The CSV format: its columns, and the parsers of one cell each (prices, tiers, attributes,
certifications, regions); a parser returns a value or raises CellError with the user's message."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.models import Certification
from catalog.services import MAX_STOCK
from marketplace import money
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel

COLUMNS = ["product_code", "title", "category", "variant", "unit", "price", "stock", "moq", "step", "tiers",
           "origin", "subtitle", "description", "attributes", "certifications", "status", "images"]
REQUIRED_COLUMNS = ["product_code", "title", "category", "variant", "unit", "price"]
#: Needed on every row; title and category only on a product's first row.
ROW_REQUIRED = ["product_code", "variant", "unit", "price"]
PRODUCT_COLUMNS = ["title", "category", "origin", "subtitle", "description", "attributes", "certifications",
                   "status"]
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 10_000
CERT_NAMES = {"绿色食品": "green_food", "有机": "organic", "有机产品": "organic", "有机食品": "organic",
              "地理标志": "gi", "地理标志产品": "gi", "地标": "gi", "无公害": "pollution_free",
              "无公害农产品": "pollution_free"}
STATUS_NAMES = {"published": "published", "上架": "published", "发布": "published", "draft": "draft",
                "草稿": "draft"}
SPLIT = re.compile(r"[;；]")


class CellError(DomainError):
    """One cell cannot be read; the import's report lists the message by row and column."""

    code = "invalid_cell"


def parse_int(text: str, minimum: int, default: int | None) -> int | None:
    text = text.strip()
    if not text:
        return default
    try:
        value = int(text.replace(",", ""))
    except ValueError:
        raise CellError(_("必须是整数：%(v)s", v=text[:20])) from None
    if value < minimum or value > MAX_STOCK:
        raise CellError(_("必须是不小于 %(n)d 的整数", n=minimum))
    return value


def parse_price(text: str) -> int:
    try:
        return money.parse_amount(text)
    except money.MoneyError as exc:
        raise CellError(str(exc)) from None


def parse_tiers(text: str) -> list[tuple[int, int]]:
    tiers = []
    for part in SPLIT.split(text.replace("，", ",")):
        part = part.strip()
        if not part:
            continue
        qty, sep, price = part.replace("：", ":").partition(":")
        if not sep:
            raise CellError(_("阶梯格式应为 数量:单价，多档用分号隔开，例如 10:11.00;100:9.50"))
        try:
            q = int(qty.strip())
        except ValueError:
            raise CellError(_("阶梯数量必须是整数：%(v)s", v=qty.strip()[:20])) from None
        tiers.append((q, parse_price(price)))
    return tiers


def parse_attributes(text: str) -> list[list[str]]:
    pairs = []
    for part in SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.replace("＝", "=").partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CellError(_("属性格式应为 名称=值，多项用分号隔开，例如 品种=红富士;等级=一级"))
        if len(key.strip()) > 30 or len(value.strip()) > 100:
            raise CellError(_("属性名不超过 30 个字，属性值不超过 100 个字"))
        pairs.append([key.strip(), value.strip()])
    return pairs


def parse_certifications(text: str) -> list[str]:
    codes = []
    for part in re.split(r"[;；,，、]", text):
        part = part.strip()
        if not part:
            continue
        code = CERT_NAMES.get(part, part.lower())
        try:
            code = Certification(code).value
        except ValueError:
            raise CellError(_("未知的认证：%(c)s（可用：绿色食品、有机产品、地理标志、无公害）", c=part[:20])) from None
        if code not in codes:
            codes.append(code)
    return codes


class Regions:
    """Region lookup by name: the city's regions win over the rest of the country's (朝阳区 is in
    Beijing and in Changchun), counties over townships and villages of the same name."""

    RANK = {RegionLevel.COUNTY: 0, RegionLevel.CITY: 1, RegionLevel.TOWNSHIP: 2, RegionLevel.VILLAGE: 3,
            RegionLevel.PROVINCE: 4, RegionLevel.COUNTRY: 5}

    def __init__(self):
        self._ids: dict[str, int] | None = None
        self._suffixes: list[str] = []

    def _load(self) -> dict[str, int]:
        """Name and code -> region id, read once per file as plain rows (not thousands of ORM objects:
        a preview built 8,000 of them, which cost half a second and far more in a big process)."""
        if self._ids is None:
            from marketplace.regions.services import descendant_ids, home_city

            city = home_city()
            local = set(descendant_ids(city)) if city is not None else set()
            rows = db.session.execute(sa.select(Region.id, Region.name, Region.code, Region.level)).all()
            self._ids = {}
            for rid, name, code, _level in sorted(rows, key=lambda r: (r.id not in local,
                                                                        self.RANK.get(r.level, 9), r.code)):
                self._ids.setdefault(name, rid)
                self._ids.setdefault(code, rid)
            self._suffixes = sorted((n for n in self._ids if len(n) > 1), key=len, reverse=True)
        return self._ids

    def find(self, text: str) -> Region | None:
        text = text.strip()
        ids = self._load()
        if text in ids:
            return db.session.get(Region, ids[text])
        for name in self._suffixes:  # "商丘市柘城县" -> 柘城县
            if text.endswith(name):
                return db.session.get(Region, ids[name])
        return None
