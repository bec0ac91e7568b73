"""Demo delivery zones and buyers' addresses: zones by township, county, city, province and 全国;
addresses of a restaurant, a supermarket, a food factory, a household, a farmer and a vegetable
seller at village, township and county level in Shangqiu, and of a restaurant in Hangzhou.

Called by ``flask --app marketplace seed-demo`` after the shops; idempotent (a shop that has a rule
and an address already saved are left alone).
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.models import Shop
from orders.delivery import ZoneSpec, save_delivery_rule
from orders.models import Address, FeeMode, ShopDeliveryRule

F, KG = FeeMode.FLAT, FeeMode.PER_KG
#: shop slug -> [(region code, fee mode, fee in fen, free from (fen) or None)]; 000000 is 全国.
ZONES = {
    "zhecheng-lajiao-hezuoshe": [("411424102", F, 0, None), ("411424", F, 500, None),
                                 ("000000", KG, 200, 50_000)],
    "ningling-jinding-suli": [("411423104", F, 0, None), ("411423", F, 800, None), ("410000", F, 2000, 30_000)],
    "minquan-putaojiu": [("411421", F, 0, None), ("000000", F, 1500, 29_900)],
    "yongcheng-mianfen": [("411481", F, 0, None), ("411400", F, 3000, None)],
    "yongcheng-lvye": [("411481", F, 20_000, None), ("410000", F, 80_000, None)],
    "yucheng-shaogang-juanchi": [("411425", F, 0, None), ("000000", F, 1200, 100_000)],
    "suixian-xieye": [("411422", F, 0, None), ("410000", F, 1000, None)],
    "nongchanpin-shucai-a108": [("411402", F, 500, None), ("411403", F, 800, None)],
    "nongchanpin-ganhuo-c016": [("411402", F, 500, None), ("411400", F, 1000, 20_000)],
    "xiayi-shiyongjun-hezuoshe": [("411426101", F, 0, None), ("411426", F, 600, None), ("411400", F, 1200, None)],
    "liangyuan-xieji-guoshu": [("411402100", F, 0, None), ("411402", F, 500, None)],
    "minquan-lenggui": [("411421", F, 0, None), ("411400", F, 5000, 500_000), ("410000", F, 15_000, None)],
    "zhecheng-jingangshi": [("411424", F, 0, None), ("000000", F, 2000, 200_000)],
    "suiyang-guidefu-shipin": [("411403", F, 0, None), ("411402", F, 500, 10_000), ("411400", F, 1500, 30_000)],
    "nongchanpin-shuichan-b203": [("411402", F, 500, 20_000), ("411403", F, 800, 20_000)],
    "xiayi-fengshou-nongzi": [("411426208", F, 0, None), ("411426", F, 500, 20_000)],
}
#: buyer e-mail (or mobile, for an account without one) -> [(region code, recipient, phone, street, default)]
ADDRESSES = {
    "buyer@demo.example": [("411403001", "王芳", "13937001001", "凯旋路 88 号 睢阳老味道餐馆", True),
                           ("411424102201", "王芳", "13937001001", "北街 16 号（老家）", False)],
    "buyer2@demo.example": [("411402100", "刘强", "13937002002", "谢集镇政府路 3 号 惠民超市", True)],
    "buyer3@demo.example": [("330106", "陈静", "13857103003", "文三路 259 号 豫菜馆", True)],
    "factory@demo.example": [("411481", "孙伟", "13937005005", "永城市产业集聚区 豫香食品厂 原料仓库", True)],
    "home@demo.example": [("411402001", "李娟", "13937006006", "平原街道 凯旋小区 3 号楼 2 单元", True)],
    # accounts made with a mobile number only, found by it
    "+8615603700003": [("411426208", "马桂兰", "15603700003", "何营乡 马庄村 东头", True)],
    "+8615603700004": [("411425", "郭老五", "15603700004", "虞城县城关镇 菜市场东门", True)],
}


def _regions(codes) -> dict[str, Region]:
    return {r.code: r for r in db.session.scalars(sa.select(Region).where(Region.code.in_(list(codes))))}


@atomic()
def seed_demo_delivery(progress=None) -> dict:
    """The demo shops' delivery zones and the demo buyers' addresses."""
    regions = _regions({code for zones in ZONES.values() for code, *_x in zones}
                       | {code for rows in ADDRESSES.values() for code, *_x in rows})
    rules = addresses = 0
    for slug, zones in ZONES.items():
        shop = db.session.scalar(sa.select(Shop).where(Shop.slug == slug))
        if shop is None or db.session.scalar(sa.select(ShopDeliveryRule.id).where(ShopDeliveryRule.shop_id == shop.id)):
            continue
        specs = [ZoneSpec(regions[code], mode, fee, free) for code, mode, fee, free in zones if code in regions]
        save_delivery_rule(shop, delivery_enabled=True, zones=specs, pickup_enabled=True, pickup_address="",
                           pickup_hours="每天 8:00–18:00")
        rules += 1
        if progress:
            progress(1)
    for login, rows in ADDRESSES.items():
        user = db.session.scalar(sa.select(User).where(User.mobile == login if login.startswith("+")
                                                       else User.email == login))
        if user is None:
            continue
        for code, recipient, phone, street, default in rows:
            if code not in regions or db.session.scalar(sa.select(Address.id).where(
                    Address.user_id == user.id, Address.street == street)):
                continue
            if default:
                db.session.execute(sa.update(Address).where(Address.user_id == user.id).values(is_default=False))
            db.session.add(Address(user_id=user.id, recipient=recipient, phone=phone, region_id=regions[code].id,
                                   street=street, is_default=default))
            addresses += 1
    return {"delivery rules": rules, "addresses": addresses}
