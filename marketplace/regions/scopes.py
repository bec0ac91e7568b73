"""Roles scoped to a region (the shared role model's ("region", id) scope): a grant for a region
covers it and every region below it, so a food-safety regulator of a county sees its townships and
villages, and a platform-wide grant (or an admin) covers everywhere. The one place that turns a
user's grants of a role into the regions they cover; domains filter their rows with it."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import Role, holds_role
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import descendant_ids

REGION = Region.__scope_type__


def scoped_grants(user, role: Role | str) -> list[Region]:
    """The regions ``user`` holds ``role`` for (his scoped grants; not the platform-wide one), in code order."""
    role = Role(role)
    ids = [g.scope_id for g in getattr(user, "roles", ()) if g.role == role and g.scope_type == REGION]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Region).where(Region.id.in_(ids)).order_by(Region.code)))


def holds_anywhere(user, role: Role | str) -> bool:
    """The user holds ``role`` platform-wide or for some region (or is an admin)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return holds_role(user, role) or any(g.role == Role(role) and g.scope_type == REGION for g in user.roles)


def covered_region_ids(user, role: Role | str) -> frozenset[int] | None:
    """The ids of the regions ``user``'s grants of ``role`` cover: None for everywhere (a platform-wide
    grant, an admin), else the granted regions and everything below them (empty: none)."""
    if holds_role(user, role):
        return None
    return frozenset(i for region in scoped_grants(user, role) for i in descendant_ids(region))


def covers(user, role: Role | str, region_id: int | None) -> bool:
    """Whether ``user``'s grants of ``role`` cover the region ``region_id``."""
    scope = covered_region_ids(user, role)
    return scope is None or (region_id is not None and region_id in scope)
