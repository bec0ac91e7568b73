"""Reading one CSV row: each column's check, in the order the preview lists the row's errors.

A row's product and variant values are read even when some of its cells are wrong, so that the
preview can list every error of the file at once; nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from flask_babel import gettext as _

from catalog.categories import find_category
from catalog.csv_io.cells import (
    ROW_REQUIRED,
    SPLIT,
    STATUS_NAMES,
    CellError,
    Regions,
    parse_attributes,
    parse_certifications,
    parse_int,
    parse_price,
    parse_tiers,
)
from catalog.pricing import validate_tiers
from catalog.services import CODE_RE
from catalog.units import resolve
from catalog.zipimages import ZipError, ZipImages
from marketplace.media import MediaError, open_image


@dataclass
class RowError:
    row: int  #: line number in the file (the header is row 1, as in a spreadsheet)
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    code: str
    product: dict
    variant: dict
    images: list[str]
    status: str
    given: set[str]


def _price(text: str) -> int | None:
    """A blank price is reported once, by the check of the required cells."""
    return parse_price(text) if text.strip() else None


#: Cells read by one of the cell parsers, in the order their errors are listed.
CELL_PARSERS = (
    ("price", _price),
    ("stock", partial(parse_int, minimum=0, default=None)),
    ("moq", partial(parse_int, minimum=1, default=1)),
    ("step", partial(parse_int, minimum=1, default=1)),
    ("tiers", parse_tiers),
    ("attributes", parse_attributes),
    ("certifications", parse_certifications),
)


@dataclass
class _Cells:
    """One row's cells, and the list its errors go to."""

    line: int
    values: dict[str, str]
    errors: list[RowError]

    def raw(self, column: str) -> str:
        return self.values.get(column, "")

    def text(self, column: str) -> str:
        return self.raw(column).strip()

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def limited(self, column: str, limit: int, message: str, *, strip: bool = True) -> str:
        """The cell's text (stripped unless told not to); longer than ``limit`` is an error."""
        text = self.text(column) if strip else self.raw(column)
        if len(text) > limit:
            self.error(column, message)
        return text


class RowReader:
    """Reads the rows of one file, keeping what they share: the category and region look-ups and
    the images already opened."""

    def __init__(self, header: list[str], images: ZipImages | None, errors: list[RowError]):
        self.columns = [c for c in header if c]
        self.images = images
        self.errors = errors
        self.regions = Regions()
        self.categories: dict[str, object] = {}
        self.image_problems: dict[str, str | None] = {}
        self.units: dict[str, str | None] = {}

    def read(self, line: int, values: dict[str, str]) -> ParsedRow:
        """The row's values; each problem is added to the errors under its column."""
        row = _Cells(line, values, self.errors)
        given = {c for c in self.columns if row.text(c)}
        for col in ROW_REQUIRED:
            if not row.text(col):
                row.error(col, _("必填，不能为空"))
        code = _code(row)
        title = row.limited("title", 120, _("标题不能超过 120 个字"))
        subtitle = row.limited("subtitle", 200, _("副标题不能超过 200 个字"))
        description = row.limited("description", 20_000, _("描述不能超过 20000 个字"), strip=False)
        category = self._category(row)
        origin = self._origin(row)
        unit = self._unit(row)
        variant_name = row.limited("variant", 80, _("规格名称不能超过 80 个字"))
        parsed = _parse_cells(row)
        status = _status(row)
        image_names = self._images(row)
        return ParsedRow(
            row=line, code=code, status=status, images=image_names, given=given,
            product={"title": title, "category": category, "origin": origin, "subtitle": subtitle,
                     "description": description, "attributes": parsed.get("attributes", []),
                     "certifications": parsed.get("certifications", [])},
            variant={"name": variant_name, "unit": unit, "price_cents": parsed.get("price"),
                     "stock": parsed.get("stock"), "moq": parsed.get("moq", 1), "step": parsed.get("step", 1),
                     "tiers": sorted(parsed.get("tiers", []))},
        )

    def _category(self, row: _Cells):
        """The category named by its full path; an unknown or inactive one is an error."""
        text = row.text("category")
        if not text:
            return None
        if text not in self.categories:
            self.categories[text] = find_category(text)
        category = self.categories[text]
        if category is None or not category.active:
            row.error("category", _("找不到分类“%(c)s”：请写完整路径，例如 农产品/水果", c=text[:40]))
        return category

    def _unit(self, row: _Cells) -> str | None:
        """The unit's code for its code or alias (a deactivated one too: the import's plan decides
        whether the variant may keep it); an unknown one is an error."""
        text = row.text("unit")
        if not text:
            return None
        if text not in self.units:  # a file of 500 rows reads the table once, however they are written
            info = resolve(text, fresh_on_miss=True)
            self.units[text] = info.code if info is not None else None
        if self.units[text] is None:
            row.error("unit", _("未知的单位“%(u)s”：请用平台单位表里的单位或其别名，如 kg、斤、箱、袋、筐、个",
                                u=text[:10]))
        return self.units[text]

    def _origin(self, row: _Cells):
        text = row.text("origin")
        if not text:
            return None
        origin = self.regions.find(text)
        if origin is None:
            row.error("origin", _("找不到产地“%(o)s”：请写县区名，例如 柘城县", o=text[:40]))
        return origin

    def _images(self, row: _Cells) -> list[str]:
        """The image file names; each must be in the zip and open as an image."""
        names = [n.strip() for n in SPLIT.split(row.raw("images")) if n.strip()]
        if names and self.images is None:
            row.error("images", _("填写了图片 %(n)s，但没有上传图片压缩包（zip）", n=names[0][:60]))
            return names
        for name in names:
            problem = self._image_problem(name)
            if problem:
                row.error("images", problem)
        return names

    def _image_problem(self, name: str) -> str | None:
        if name not in self.images:
            return _("压缩包里没有图片 %(n)s", n=name[:60])
        if name not in self.image_problems:  # each image is opened once, however many rows name it
            try:
                open_image(self.images.read(name), _max_pixels())
                self.image_problems[name] = None
            except (MediaError, ZipError) as exc:
                self.image_problems[name] = str(exc)
        problem = self.image_problems[name]
        return f"{name[:60]}：{problem}" if problem else None


def _code(row: _Cells) -> str:
    code = row.text("product_code")
    if code and not CODE_RE.match(code):
        row.error("product_code", _("商品编码只能用字母、数字、点、横线和下划线，最长 64 位"))
    return code


def _parse_cells(row: _Cells) -> dict:
    """The cells read by CELL_PARSERS (an unreadable one is left out), and the tiers checked against the price."""
    parsed: dict = {}
    for col, parser in CELL_PARSERS:
        try:
            parsed[col] = parser(row.raw(col))
        except CellError as exc:
            row.error(col, exc.message)
    if isinstance(parsed.get("price"), int) and "tiers" in parsed:
        for message in validate_tiers(parsed["price"], parsed["tiers"]):
            row.error("tiers", message)
    return parsed


def _status(row: _Cells) -> str:
    """published (the default) or draft; anything else is an error and reads as published."""
    status = STATUS_NAMES.get(row.text("status").lower() or "published")
    if status is None:
        row.error("status", _("状态只能是 published（上架）或 draft（草稿）"))
    return status or "published"


def _max_pixels() -> int:
    from flask import current_app

    return current_app.config["UPLOAD_IMAGE_MAX_PIXELS"]
