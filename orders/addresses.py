"""The buyer's address book: add, choose the default, delete. One default at most per buyer.

An address is a region at any level (from a province down to a village) plus the street detail."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from orders.models import Address


def addresses_of(user) -> list[Address]:
    """The user's addresses, the default first, then the newest."""
    return list(db.session.scalars(db.select(Address).where(Address.user_id == user.id)
                                   .order_by(Address.is_default.desc(), Address.id.desc())))


def _make_default(address: Address, existing) -> None:
    for other in existing:
        other.is_default = False
    address.is_default = True


class AddressError(DomainError):
    status = 422
    code = "invalid_address"


@atomic()
def add_address(user, *, recipient: str, phone: str, region: Region | None, street: str,
                is_default: bool = False) -> Address:
    """Save a new address (a region at any level below the country, plus the street); the first
    one, or one asked to be, becomes the default."""
    if region is None or region.level == RegionLevel.COUNTRY:
        raise AddressError(_("请选择所在地区（至少选到省）"), field="region")
    address = Address(user_id=user.id, recipient=recipient.strip(), phone=phone.strip(),
                      region_id=region.id, street=street.strip())
    existing = addresses_of(user)
    if is_default or not existing:
        _make_default(address, existing)
    db.session.add(address)
    return address


@atomic()
def make_default(address: Address) -> None:
    _make_default(address, db.session.scalars(db.select(Address).where(Address.user_id == address.user_id)))


@atomic()
def delete_address(address: Address) -> None:
    db.session.delete(address)
