"""Demo catalogue: what Shangqiu's demo shops sell (real local specialties and industrial goods).

Each shop slug maps to a builder returning (code prefix, product specs); the builders are in
catalog.seed_agri and catalog.seed_industry, their building blocks (and the spec's shape) in
catalog.seed_variants. Grades, sizes, colours, vintages and packs are variants of one product.
"""

from __future__ import annotations

from catalog.seed_agri import aquatic, chili, dried, farm, flour, food, mushrooms, pear, vegetables, wine
from catalog.seed_industry import aluminium, diamond, farm_supply, fridges, shoes, tapes

#: shop slug -> builder
CATALOG = {
    "zhecheng-lajiao-hezuoshe": chili,
    "ningling-jinding-suli": pear,
    "minquan-putaojiu": wine,
    "yongcheng-mianfen": flour,
    "yongcheng-lvye": aluminium,
    "yucheng-shaogang-juanchi": tapes,
    "suixian-xieye": shoes,
    "nongchanpin-shucai-a108": vegetables,
    "nongchanpin-ganhuo-c016": dried,
    "xiayi-shiyongjun-hezuoshe": mushrooms,
    "liangyuan-xieji-guoshu": farm,
    "minquan-lenggui": fridges,
    "zhecheng-jingangshi": diamond,
    "suiyang-guidefu-shipin": food,
    "nongchanpin-shuichan-b203": aquatic,
    "xiayi-fengshou-nongzi": farm_supply,
}

#: Fallback by (shop type, county) when slugs change.
BY_TYPE_COUNTY = {
    ("cooperative", "柘城县"): chili, ("farmer", "宁陵县"): pear, ("enterprise", "民权县"): wine,
    ("enterprise", "睢县"): shoes, ("enterprise", "虞城县"): tapes, ("market_stall", "梁园区"): vegetables,
    ("cooperative", "夏邑县"): mushrooms, ("farmer", "梁园区"): farm,
}

COLOURS = {"agri": (46, 125, 50), "inputs": (120, 100, 40), "industry": (55, 71, 79)}
