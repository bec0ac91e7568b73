"""Demo data: a column (专栏) for every township and village of the city file, and the demo village
clerk's own village with a photo.

The regions file holds 199 townships and 4,834 villages; nobody writes five thousand columns by
hand, so each is put together from short sentences written for this demo (nothing copied), chosen
per county (what the county is known for: its 一县一品 in the regions file) and per place by a hash
of its code, with the place's own name in it: every column reads differently, and a county's
villages talk about that county's produce. A community (社区) gets town sentences instead of fields.
Columns that already exist are left alone (a clerk's edit survives a second seed).
"""

from __future__ import annotations

import hashlib
import io

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.regions.column_models import RegionColumn, RegionColumnChange, RegionPhoto
from marketplace.regions.models import Region, RegionLevel

CLERK_EMAIL = "clerk@demo.example"
#: The demo clerk's village: 柘城县起台镇王庄村.
CLERK_VILLAGE = "411424102203"

#: County code -> (the crops its villages grow, sentences about the place). Written for this demo.
COUNTIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "411402": (("大蒜", "小麦", "白菜", "花生", "大葱"), (
        "离中心批发市场不到半小时车程，菜贩天不亮就来地头收菜",
        "村里的合作社做净菜分拣，给城区的食堂和超市配送",
        "村东头新建了一座小冷库，旺季不愁压价",
        "大棚一年种三茬，冬天也有青菜上市")),
    "411403": (("小麦", "山药", "大葱", "玉米", "白菜"), (
        "离商丘古城不远，周末游客多，土鸡蛋和手工粉条很好卖",
        "沙土地种的山药面甜，老客户年年来订",
        "村里有家面粉坊，还在用石磨磨全麦粉",
        "农忙时节，合作社的收割机按亩收费，谁家都能约")),
    "411421": (("葡萄", "花生", "小麦", "西瓜", "大蒜"), (
        "沙地上成片的葡萄园，一部分卖鲜果，一部分送进县里的酒厂",
        "花生是这里的老品种，颗粒饱满，油坊榨出的油很香",
        "村里有人学过画虎，农闲时在家里作画卖给外地客人",
        "葡萄熟了以后开放采摘，城里人开车来摘了就走")),
    "411422": (("西瓜", "大蒜", "小麦", "花生", "辣椒"), (
        "年轻人多在县城的鞋厂上班，地里的活靠合作社托管",
        "离北湖不远，夏天游客多，路边的西瓜摊一天能卖几百个",
        "大蒜收完接着种西瓜，一块地一年两季",
        "村里的电商服务点帮大家把瓜果发往外地")),
    "411423": (("酥梨", "小麦", "大蒜", "花生", "白蜡杆"), (
        "老梨园里还有几十年的梨树，四月梨花开时全村都是白的",
        "酥梨八月下旬开摘，进了冷库能存到来年春天",
        "沟边种着白蜡条，编筐、做杆子都用得上",
        "梨园里套种花生，树下的地一点不浪费")),
    "411424": (("三樱椒", "小麦", "大蒜", "花生", "西瓜"), (
        "三樱椒和小麦套种，五月麦收后辣椒就长起来了",
        "秋天家家户户房顶、场院都晒着红辣椒，远远就能看见",
        "离辣椒大市场近，椒农当天摘当天就能卖",
        "村里的烘干房让辣椒不怕秋雨，色泽更红")),
    "411425": (("小麦", "山药", "大蒜", "花生", "玉米"), (
        "村里不少人家给县里的量具厂做来料加工，农闲也有收入",
        "稍岗一带做钢卷尺出了名，村里的年轻人多在厂里上班",
        "麦子收完种玉米，一年两熟，收成稳当",
        "合作社统一买种子、化肥，比自己买省不少")),
    "411426": (("食用菌", "西瓜", "小麦", "大豆", "大蒜"), (
        "村里的菇棚一年四季出菇，平菇、香菇天天有车来拉",
        "早春的小拱棚西瓜五月就上市，比别处早半个月",
        "菌棒用的是本地的玉米芯和木屑，出菇后的菌渣还能肥田",
        "村里的服装加工点让妇女在家门口就能挣钱")),
    "411481": (("小麦", "玉米", "芝麻", "大豆", "花生"), (
        "这里的小麦筋道，县里的面粉厂年年来收",
        "离芒砀山不远，赶上旅游旺季，农家乐生意不错",
        "一季小麦一季玉米，机收机播，种地省了力气",
        "芝麻是老品种，小磨香油在集上很抢手")),
    "411471": (("蔬菜", "小麦", "玉米", "大葱"), (
        "物流园就在旁边，村里不少人开货车、做装卸",
        "蔬菜从地头装车，当天就能发到郑州和徐州")),
    "411472": (("蔬菜", "小麦", "大蒜"), (
        "开发区的工厂就在家门口，村民白天上班，早晚照看菜地",
        "地不多，多种的是城里人爱买的时令青菜")),
}
_SEASONS = (
    "新货上市时欢迎来村里看货。", "量大可以提前预订，合作社统一分级包装。", "需要整车发货的，找村信息点登记。",
    "想来收购的客商，村委会可以帮着联系农户。", "村里的电商服务点代发快递，零售也能买。",
    "品质好不好，来地头看一看就知道。")
_TOWN = (
    "社区里有便民菜店和早市，周边村里的新鲜菜一早就送到",
    "社区的电商服务站帮周边农户代发快递",
    "居民多在附近的工厂和市场上班，节假日的集市很热闹",
    "社区食堂和超市优先采购本地的蔬菜和面粉")


def _pick(code: str, salt: str, items):
    digest = hashlib.sha256(f"{code}:{salt}".encode()).digest()
    return items[digest[0] % len(items)]


def _county_code(code: str) -> str:
    return code[:6]


def column_for(place: Region, parent_name: str, villages: int = 0) -> tuple[str, str]:
    """(specialties, text) of a demo column for a township or village."""
    crops, scenes = COUNTIES.get(_county_code(place.code), (("小麦", "玉米"), ("村里的合作社统一收购",)))
    first = crops[0]
    second = _pick(place.code, "second", [c for c in crops[1:] if c != first] or [first])
    specialties = "、".join(dict.fromkeys((first, second)))
    if place.level == RegionLevel.TOWNSHIP:
        text = (f"{place.name}下辖 {villages} 个村（社区），{first}和{second}是这里的主要产品。"
                f"{_pick(place.code, 'scene', scenes)}。\n乡镇信息服务站每周更新各村的供货情况，"
                f"{_pick(place.code, 'season', _SEASONS)}")
        return specialties, text
    if place.name.endswith("社区"):
        return specialties, (f"{place.name}属于{parent_name}。{_pick(place.code, 'town', _TOWN)}。\n"
                             f"附近村里的{first}、{second}在这里的早市就能买到。")
    acres = 300 + int(hashlib.sha256(place.code.encode()).hexdigest()[:4], 16) % 2700
    scene_a = _pick(place.code, "scene", scenes)
    scene_b = _pick(place.code, "scene2", [s for s in scenes if s != scene_a] or [scene_a])
    text = (f"{place.name}在{parent_name}，全村耕地约 {acres} 亩，主要种{first}，也有不少人家种{second}。"
            f"{scene_a}。\n{scene_b}。{_pick(place.code, 'season', _SEASONS)}")
    return specialties, text


def seed_columns() -> int:
    """A column for every township and village of the city that has none. How many were added."""
    from marketplace.regions.services import home_city

    city = home_city()
    if city is None:
        return 0
    prefix = city.code[:4]
    parent = sa.orm.aliased(Region)
    rows = db.session.execute(
        sa.select(Region, parent.name).join(parent, parent.id == Region.parent_id)
        .where(Region.code.startswith(prefix), Region.level.in_([RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])))
    have = set(db.session.scalars(sa.select(RegionColumn.region_id)))
    counts = dict(db.session.execute(sa.select(Region.parent_id, sa.func.count()).where(
        Region.level == RegionLevel.VILLAGE, Region.code.startswith(prefix)).group_by(Region.parent_id)).all())
    new = []
    for place, parent_name in rows:
        if place.id in have:
            continue
        specialties, text = column_for(place, parent_name, counts.get(place.id, 0))
        new.append({"region_id": place.id, "specialties": specialties, "text": text})
    if new:
        db.session.execute(sa.insert(RegionColumn), new)
    return len(new)


#: The demo clerk's own column (written by him, so it reads better than the generated ones).
CLERK_COLUMN = ("三樱椒、大蒜、小麦",
                "王庄村在起台镇东边，全村一千八百多亩地，七成种三樱椒，和小麦套种：五月收麦，十月收椒。\n"
                "村里的辣椒晒在自家场院，不沾土，色红、油亮、辣度足。今年新建了两座烘干房，秋雨天也能出好货。\n"
                "整车收购请到村委会信息点登记，我们帮您联系农户、分级装袋；零售可以在本平台买各家店铺的干椒和椒段。")


def chili_photo() -> bytes:
    """A drawn picture of chilies drying in a yard (no real photo at hand for the demo)."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(411424102203)
    img = Image.new("RGB", (960, 640), (150, 190, 225))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 260, 960, 640), fill=(196, 170, 120))
    for x in range(0, 960, 120):  # a row of poplars behind the yard
        draw.rectangle((x + 55, 170, x + 65, 262), fill=(90, 70, 50))
        draw.ellipse((x + 20, 80, x + 100, 200), fill=(70, 130, 60))
    for _ in range(2600):
        x, y = rng.randrange(0, 960), rng.randrange(275, 640)
        red = rng.randrange(170, 225)
        draw.ellipse((x, y, x + rng.randrange(10, 18), y + rng.randrange(5, 9)), fill=(red, rng.randrange(10, 40), 20))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=88)
    return out.getvalue()


def seed_clerk_village() -> None:
    """Grant the demo clerk his village and give it his column and a photo (once)."""
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import grant_role
    from marketplace.media import ingest_image
    from marketplace.regions.columns import PHOTO_PREFIX, PHOTO_SIZES

    clerk = db.session.scalar(sa.select(User).where(User.email == CLERK_EMAIL))
    village = db.session.scalar(sa.select(Region).where(Region.code == CLERK_VILLAGE))
    if clerk is None or village is None:
        return
    grant_role(clerk, Role.VILLAGE_CLERK, scope=village)
    if db.session.scalar(sa.select(RegionColumnChange.id).where(RegionColumnChange.region_id == village.id)):
        return  # he has written it already
    column = db.session.scalar(sa.select(RegionColumn).where(RegionColumn.region_id == village.id))
    if column is None:
        column = RegionColumn(region_id=village.id)
        db.session.add(column)
    column.specialties, column.text, column.updated_by_id = *CLERK_COLUMN, clerk.id
    stored = ingest_image(chili_photo(), prefix=PHOTO_PREFIX, sizes=PHOTO_SIZES)
    db.session.add(RegionPhoto(region_id=village.id, key=stored.key(PHOTO_SIZES[-1]), thumb_key=stored.key(PHOTO_SIZES[0]),
                               width=stored.width, height=stored.height, created_by_id=clerk.id))
    db.session.add(RegionColumnChange(region_id=village.id, actor_id=clerk.id, specialties=CLERK_COLUMN[0],
                                      text=CLERK_COLUMN[1], photos_added=1))
