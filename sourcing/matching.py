"""Which shops a request is for, and which requests a shop may see and answer.

A shop matches a request when it has a published listing in the request's category, in one below
it, or in its parent category, and one of its delivery zones (orders.delivery: the saved rule's
zones, else its home county) covers the delivery region. Containment is read from the region codes
(统计用区划代码 are hierarchical: 41 Henan, 4114 Shangqiu, 411403 睢阳区, nine digits a township),
so a page needs no query per region.
"""

from __future__ import annotations

import sqlalchemy as sa

from catalog.models import Category, Product, ProductStatus
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop, ShopStatus
from orders.delivery import rules_for
from sourcing.models import SourcingInvite, SourcingRequest, Visibility


def area_prefix(region: Region) -> str:
    """The code prefix every region inside ``region`` shares ("" for the country)."""
    if region.level == RegionLevel.COUNTRY:
        return ""
    code = region.code
    if len(code) == 6:
        for cut in (2, 4):
            if code[cut:] == "0" * (6 - cut):
                return code[:cut]
    return code


def covers(zone_region: Region, region: Region) -> bool:
    return region.code.startswith(area_prefix(zone_region))


def request_categories(category: Category) -> list[int]:
    """Where a listing answers a request in ``category``: the category, those below it, its parent."""
    ids = {category.id}
    if category.parent_id:
        ids.add(category.parent_id)
    frontier = [category.id]
    while frontier:
        frontier = list(db.session.scalars(sa.select(Category.id).where(Category.parent_id.in_(frontier))))
        ids.update(frontier)
    return sorted(ids)


def _listing_shops(category_ids) -> sa.Select:
    return (sa.select(Product.shop_id).where(Product.category_id.in_(category_ids),
                                             Product.status == ProductStatus.PUBLISHED,
                                             Product.deleted_at.is_(None)).distinct())


def matching_shops(req: SourcingRequest) -> list[Shop]:
    """The approved shops a request is for (category and delivery region), by id."""
    shops = list(db.session.scalars(sa.select(Shop).where(
        Shop.id.in_(_listing_shops(request_categories(req.category))), Shop.status == ShopStatus.APPROVED)
        .order_by(Shop.id)))
    rules = rules_for(shops)
    return [shop for shop in shops if rules[shop.id].delivery_enabled
            and any(covers(zone.region, req.region) for zone in rules[shop.id].zones)]


def invited_ids(req: SourcingRequest) -> set[int]:
    return set(db.session.scalars(sa.select(SourcingInvite.shop_id).where(SourcingInvite.request_id == req.id)))


def shop_matches(req: SourcingRequest, shop: Shop) -> bool:
    if shop.status != ShopStatus.APPROVED:
        return False
    if not db.session.scalar(sa.select(sa.exists(_listing_shops(request_categories(req.category))
                                                 .where(Product.shop_id == shop.id)))):
        return False
    rule = rules_for([shop])[shop.id]
    return rule.delivery_enabled and any(covers(zone.region, req.region) for zone in rule.zones)


def may_quote(req: SourcingRequest, shop: Shop) -> bool:
    """Invited shops, and (unless invited-only) the matching ones."""
    if shop.status != ShopStatus.APPROVED:
        return False
    if shop.id in invited_ids(req):
        return True
    return req.visibility != Visibility.INVITED and shop_matches(req, shop)


def shop_scope(shop: Shop) -> tuple[list[int], list[str]]:
    """(request categories the shop's listings answer, region code prefixes its zones cover)."""
    listed = set(db.session.scalars(sa.select(Product.category_id).where(
        Product.shop_id == shop.id, Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None))
        .distinct()))
    cats = {c.id: c for c in db.session.scalars(sa.select(Category))} if listed else {}
    wanted: set[int] = set()
    for cid in listed:
        node = cats.get(cid)
        while node is not None:  # the category and every one above it
            wanted.add(node.id)
            node = cats.get(node.parent_id) if node.parent_id else None
        wanted.update(c.id for c in cats.values() if c.parent_id == cid)  # a request just below it
    rule = rules_for([shop])[shop.id]
    prefixes = [area_prefix(zone.region) for zone in rule.zones] if rule.delivery_enabled else []
    return sorted(wanted), prefixes


def matching_condition(shop: Shop):
    """A WHERE clause on SourcingRequest (joined to its Region) for the requests ``shop`` may
    answer: invited, or not invited-only and in its categories and zones."""
    categories, prefixes = shop_scope(shop)
    invited = SourcingRequest.id.in_(sa.select(SourcingInvite.request_id).where(SourcingInvite.shop_id == shop.id))
    if not categories or not prefixes:
        return invited
    in_zone = sa.or_(*(Region.code.startswith(p, autoescape=True) for p in prefixes))
    return sa.or_(invited, sa.and_(SourcingRequest.visibility != Visibility.INVITED,
                                   SourcingRequest.category_id.in_(categories), in_zone))
