"""The buyer's address book: add, choose the default, delete. One default at most per buyer."""

from __future__ import annotations

from marketplace.db import atomic
from marketplace.extensions import db
from orders.models import Address


def addresses_of(user) -> list[Address]:
    """The user's addresses, the default first, then the newest."""
    return list(db.session.scalars(db.select(Address).where(Address.user_id == user.id)
                                   .order_by(Address.is_default.desc(), Address.id.desc())))


def _make_default(address: Address, existing) -> None:
    for other in existing:
        other.is_default = False
    address.is_default = True


@atomic()
def add_address(user, *, recipient: str, phone: str, province: str, region_id: int, street: str,
                is_default: bool = False) -> Address:
    """Save a new address; the first one, or one asked to be, becomes the default."""
    address = Address(user_id=user.id, recipient=recipient.strip(), phone=phone.strip(),
                      province=province.strip(), region_id=region_id, street=street.strip())
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
