"""The category tree: loading it from the data file, reading it, and the admin's edits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.models import Category
from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "categories.json"
CODE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


class CategoryError(DomainError):
    """A category edit was refused; the message is user-facing, ``field`` the form field at fault."""

    code = "invalid_category"


@atomic()
def load_categories(path: str | Path | None = None) -> int:
    """Create the categories of the data file that do not exist yet (matched by code).

    Idempotent: existing rows keep the admin's names and order. Returns the number created.
    """
    data = json.loads(Path(path or DEFAULT_FILE).read_text(encoding="utf-8"))
    existing = {c.code: c for c in db.session.scalars(sa.select(Category))}
    created = 0

    def walk(nodes, parent: Category | None):
        nonlocal created
        for order, node in enumerate(nodes):
            cat = existing.get(node["code"])
            if cat is None:
                path_ = f"{parent.path}/{node['name']}" if parent else node["name"]
                cat = Category(code=node["code"], name=node["name"], name_en=node.get("name_en", ""),
                               parent=parent, path=path_, sort_order=order * 10, active=True)
                db.session.add(cat)
                existing[cat.code] = cat
                created += 1
            walk(node.get("children", []), cat)

    walk(data["categories"], None)
    db.session.flush()
    return created


def all_categories(active_only: bool = True) -> list[Category]:
    stmt = sa.select(Category).order_by(Category.sort_order, Category.id)
    if active_only:
        stmt = stmt.where(Category.active.is_(True))
    return list(db.session.scalars(stmt))


def tree(active_only: bool = True) -> list[tuple[Category, list[Category]]]:
    """Roots with their children, in order, from one query."""
    cats = all_categories(active_only)
    by_parent: dict[int | None, list[Category]] = {}
    for cat in cats:
        by_parent.setdefault(cat.parent_id, []).append(cat)
    return [(root, by_parent.get(root.id, [])) for root in by_parent.get(None, [])]


def descendant_ids(category: Category) -> list[int]:
    """The category's id and those of all categories below it (one query)."""
    rows = db.session.execute(sa.select(Category.id, Category.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for cid, pid in rows:
        children.setdefault(pid, []).append(cid)
    ids, todo = [], [category.id]
    while todo:
        cid = todo.pop()
        ids.append(cid)
        todo.extend(children.get(cid, []))
    return ids


def find_category(text: str) -> Category | None:
    """A category by its path ("农产品/水果"), its code ("agri.fruit") or a unique leaf name."""
    text = (text or "").strip().strip("/")
    text = re.sub(r"\s*/\s*", "/", text)
    if not text:
        return None
    cat = db.session.scalar(sa.select(Category).where(sa.or_(Category.path == text, Category.code == text)))
    if cat is None and "/" not in text:
        matches = list(db.session.scalars(sa.select(Category).where(Category.name == text).limit(2)))
        cat = matches[0] if len(matches) == 1 else None
    return cat


def snapshot(cat: Category) -> dict:
    return {"code": cat.code, "name": cat.name, "name_en": cat.name_en, "path": cat.path,
            "parent_id": cat.parent_id, "sort_order": cat.sort_order, "active": cat.active,
            "requires_approval": cat.requires_approval, "requires_certificate": cat.requires_certificate}


def _repath(cat: Category) -> None:
    cat.path = f"{cat.parent.path}/{cat.name}" if cat.parent else cat.name
    for child in cat.children:
        _repath(child)


def _check_name(name: str, parent: Category | None, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise CategoryError(_("请填写分类名称"), field="name")
    if "/" in name or len(name) > 60:
        raise CategoryError(_("分类名称不能含“/”，且不超过 60 个字"), field="name")
    path = f"{parent.path}/{name}" if parent else name
    clash = db.session.scalar(sa.select(Category).where(Category.path == path))
    if clash is not None and clash.id != exclude_id:
        raise CategoryError(_("同一级下已有名为“%(name)s”的分类", name=name), field="name")
    return name


def _audited(actor, action: str, cat: Category, before: dict | None, work):
    """Run one admin edit and its audit entry in one transaction."""
    from marketplace.admin.services import record_audit

    with atomic():
        work()
        db.session.flush()
        record_audit(actor, action, "category", cat.id, before=before, after=snapshot(cat))
    return cat


def add_category(actor, *, name: str, code: str, name_en: str = "", parent: Category | None = None) -> Category:
    """Add a category under ``parent`` (or a root), at the end of its siblings."""
    code = (code or "").strip().lower()
    if not CODE_RE.match(code) or len(code) > 60:
        raise CategoryError(_("代码只能用小写字母、数字、下划线和点，例如 agri.fruit"), field="code")
    if db.session.scalar(sa.select(Category.id).where(Category.code == code)):
        raise CategoryError(_("代码 %(code)s 已被使用", code=code), field="code")
    name = _check_name(name, parent)
    siblings = parent.children if parent else all_categories(False)
    last = max((c.sort_order for c in siblings if c.parent_id == (parent.id if parent else None)), default=-10)
    cat = Category(code=code, name=name, name_en=(name_en or "").strip()[:80], parent=parent,
                   path=f"{parent.path}/{name}" if parent else name, sort_order=last + 10)
    return _audited(actor, "category.add", cat, None, lambda: db.session.add(cat))


def rename_category(cat: Category, actor, *, name: str, name_en: str = "") -> Category:
    """Rename a category; its path and the paths below it follow."""
    before = snapshot(cat)
    name = _check_name(name, cat.parent, exclude_id=cat.id)

    def work():
        cat.name = name
        cat.name_en = (name_en or "").strip()[:80]
        _repath(cat)

    return _audited(actor, "category.rename", cat, before, work)


def move_category(cat: Category, actor, direction: int) -> Category:
    """Swap a category with its previous (direction -1) or next (+1) sibling."""
    before = snapshot(cat)
    siblings = list(db.session.scalars(sa.select(Category).where(Category.parent_id.is_(cat.parent_id)
                                                                 if cat.parent_id is None else
                                                                 Category.parent_id == cat.parent_id)
                                       .order_by(Category.sort_order, Category.id)))
    index = siblings.index(cat)
    other_index = index + (1 if direction > 0 else -1)

    def work():
        for i, sibling in enumerate(siblings):  # renumber so equal orders cannot stick
            sibling.sort_order = i * 10
        if 0 <= other_index < len(siblings):
            other = siblings[other_index]
            cat.sort_order, other.sort_order = other.sort_order, cat.sort_order

    return _audited(actor, "category.reorder", cat, before, work)


def set_category_active(cat: Category, actor, active: bool) -> Category:
    """Deactivate (hide from buyers and from the editors' choices) or reactivate a category."""
    before = snapshot(cat)

    def work():
        cat.active = bool(active)

    return _audited(actor, "category.activate" if active else "category.deactivate", cat, before, work)


def set_category_approval(cat: Category, actor, required: bool) -> Category:
    """Mark a category whose new listings (and products moved into it) wait for the admin's approval
    before they are public, or lift the mark. Products already on sale there stay on sale."""
    before = snapshot(cat)

    def work():
        cat.requires_approval = bool(required)

    return _audited(actor, "category.approval_on" if required else "category.approval_off", cat, before, work)
