"""Demo catalogue: what Shangqiu's demo shops sell (real local specialties and industrial goods).

Each shop slug maps to (code prefix, product specs). A spec is
(title, category code, origin region name, subtitle, attributes, certifications, variants), and a
variant is (name, unit, price in yuan, stock, moq, step, grams per unit or None, tiers) where
tiers is None for the default ladder (10+ at 95%, 100+ at 90%), () for none, or [(qty, yuan)].
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

GRADES = ("特级", "一级", "二级")


def _grade_factor(grade: str) -> D:
    return {"特级": D("1.25"), "精品": D("1.2"), "一级": D("1.0"), "二级": D("0.85"), "统货": D("0.75")}.get(grade, D("1.0"))


def _yuan(value) -> str:
    """Yuan with two decimals, rounded half up (Decimal arithmetic: prices never pass through float)."""
    return str(D(value).quantize(D("0.01"), rounding=ROUND_HALF_UP))


def chili():
    out = []
    kinds = [("柘城三樱椒 干椒", "三樱椒", D("26.0")), ("柘城朝天椒 干椒", "朝天椒", D("24.0")), ("三樱椒 椒段", "三樱椒", D("30.0")),
             ("子弹头朝天椒", "子弹头", D("22.0"))]
    for title, variety, per_kg in kinds:
        for grade in ("特级", "一级", "二级", "统货"):
            p = per_kg * _grade_factor(grade)
            out.append((f"{title} {grade}", "agri.dried_spices", "起台镇", "中国辣椒之乡 色红油润 辣度足",
                        [["品种", variety], ["等级", grade], ["含水率", "≤14%"], ["保质期", "12个月"]], ["gi"],
                        [("1kg 袋装", "袋", _yuan(p * D("1.1")), 800, 5, 1, 1000, None),
                         ("10kg 纸箱", "箱", _yuan(p * 10), 300, 2, 1, 10000, None),
                         ("25kg 编织袋", "袋", _yuan(p * D("24.5")), 120, 4, 2, 25000, [(20, _yuan(p * D("23.5"))),
                                                                                  (100, _yuan(p * D("22.5")))])]))
    for grind in ("细粉", "粗粉"):
        out.append((f"柘城辣椒粉 {grind}", "agri.dried_spices", "柘城县", "三樱椒研磨 无添加",
                    [["原料", "三樱椒"], ["细度", grind], ["保质期", "12个月"]], ["green_food"],
                    [("500g 袋装", "袋", "16.00", 600, 10, 10, 500, None),
                     ("5kg 袋装", "袋", "150.00", 100, 1, 1, 5000, None)]))
    out.append(("三樱椒种子 8号", "inputs.seed", "柘城县", "合作社育种 抗病高产",
                [["品种", "三樱椒8号"], ["发芽率", "≥85%"], ["净度", "≥98%"]], [],
                [("100g 袋", "袋", "35.00", 2000, 1, 1, 100, None)]))
    out.append(("辣椒专用复合肥 15-15-15", "inputs.fertiliser", "柘城县", "硫酸钾型 50kg 袋",
                [["养分", "N-P2O5-K2O 15-15-15"], ["包装", "50kg 编织袋"]], [],
                [("50kg 袋", "袋", "165.00", 500, 2, 1, 50000, [(20, "158.00"), (100, "150.00")]),
                 ("整吨", "吨", "3150.00", 40, 1, 1, None, ())]))
    return "ZC", out


def pear():
    out = []
    for grade in ("特级", "一级", "二级", "统货"):
        for size in ("果径 85mm 以上", "果径 75-85mm"):
            f = _grade_factor(grade) * (D("1.15") if "85mm 以上" in size else D("1.0"))
            out.append((f"宁陵金顶谢花酥梨 {grade} {size}", "agri.fruit", "石桥镇", "皮薄多汁 酥脆香甜 冷库保鲜",
                        [["品种", "金顶谢花酥梨"], ["等级", grade], ["规格", size], ["储存", "0-3℃ 冷藏"]],
                        ["gi", "green_food"],
                        [("5kg 箱装", "箱", _yuan(30 * f), 400, 1, 1, 5000, None),
                         ("10kg 箱装", "箱", _yuan(56 * f), 300, 1, 1, 10000, None),
                         ("散装", "斤", _yuan(D("3.2") * f), 20000, 200, 50, 500, [(1000, _yuan(D("3.0") * f)),
                                                                            (5000, _yuan(D("2.8") * f))])]))
    out.append(("宁陵酥梨膏", "agri.specialties", "宁陵县", "酥梨熬制 润喉", [["配料", "酥梨、冰糖"], ["保质期", "18个月"]], [],
                [("250g 瓶", "瓶", "38.00", 300, 6, 6, 250, None)]))
    out.append(("宁陵酥梨 礼盒", "agri.specialties", "宁陵县", "12 枚精选 节日送礼", [["规格", "12枚"]], ["gi"],
                [("礼盒", "盒", "88.00", 200, 1, 1, 5000, None)]))
    return "NL", out


def wine():
    out = []
    wines = [("干红", "赤霞珠"), ("干红", "蛇龙珠"), ("干红", "品丽珠"), ("干红", "梅鹿辄"), ("干白", "霞多丽"),
             ("干白", "雷司令"), ("甜红", "玫瑰香"), ("桃红", "赤霞珠")]
    for i, (style, grape) in enumerate(wines):
        for year in (2020, 2022):
            price = 58 + i * 12 + (2022 - year) * 20
            out.append((f"民权{grape}{style}葡萄酒 {year}", "agri.tea_wine", "北关镇", "黄河故道产区 橡木桶陈酿",
                        [["葡萄品种", grape], ["类型", style], ["年份", str(year)], ["酒精度", "12.5%vol"],
                         ["净含量", "750ml"]], [],
                        [("750ml 单瓶", "瓶", _yuan(price), 600, 6, 6, 1300, None),
                         ("6 瓶整箱", "箱", _yuan(price * D("5.6")), 100, 1, 1, 8000, None)]))
    out.append(("民权白兰地 5年", "agri.tea_wine", "民权县", "葡萄蒸馏 橡木桶五年", [["酒精度", "40%vol"], ["净含量", "500ml"]],
                [], [("500ml 瓶", "瓶", "168.00", 200, 6, 6, 1000, None)]))
    return "MQ", out


def flour():
    out = []
    kinds = [("特一粉", D("3.4")), ("特二粉", D("3.1")), ("高筋粉", D("3.9")), ("饺子粉", D("3.6")), ("面条粉", D("3.5")), ("馒头粉", D("3.3")),
             ("全麦粉", D("4.2")), ("低筋粉", D("3.8"))]
    for name, per_kg in kinds:
        out.append((f"永城面粉 {name}", "agri.grain_oil", "永城市", "中国面粉城 豫东优质小麦",
                    [["原料", "永城小麦"], ["类型", name], ["保质期", "6个月"]], ["green_food"] if name == "特一粉" else [],
                    [("25kg 袋", "袋", _yuan(per_kg * 25), 2000, 10, 5, 25000, [(40, _yuan(per_kg * 24)),
                                                                               (400, _yuan(per_kg * 23))]),
                     ("10kg 袋", "袋", _yuan(per_kg * D("10.4")), 1500, 10, 5, 10000, None),
                     ("5kg 袋", "袋", _yuan(per_kg * D("5.4")), 1500, 20, 10, 5000, None),
                     ("散装 整吨", "吨", _yuan(per_kg * 940), 200, 5, 1, None, ())]))
    out.append(("小麦麸皮", "agri.grain_oil", "永城市", "饲料原料", [["用途", "饲料"]], [],
                [("40kg 袋", "袋", "64.00", 800, 10, 10, 40000, ())]))
    for width in ("细面", "宽面", "龙须面"):
        out.append((f"永城挂面 {width}", "industry.food", "永城市", "小麦粉 食盐 水", [["规格", width], ["保质期", "12个月"]],
                    [], [("1kg 袋", "袋", "6.80", 3000, 20, 10, 1000, None),
                         ("10kg 箱", "箱", "62.00", 500, 5, 1, 10000, None)]))
    return "YM", out


def aluminium():
    out = [("电解铝锭 A00 99.70%", "industry.nonferrous", "永城市", "标准铝锭 约 20kg/块 按吨报价",
            [["牌号", "Al99.70（A00）"], ["执行标准", "GB/T 1196"], ["单锭重", "约 20kg"]], [],
            [("整吨", "吨", "19850.00", 500, 5, 1, None, [(50, "19800.00"), (200, "19750.00")])]),
           ("电解铝锭 99.85%", "industry.nonferrous", "永城市", "高纯铝锭", [["牌号", "Al99.85"]], [],
            [("整吨", "吨", "20300.00", 120, 5, 1, None, [(50, "20250.00")])])]
    for d in (90, 120, 152, 178, 203):
        out.append((f"6063 铝棒 直径 {d}mm", "industry.nonferrous", "永城市", "均质处理 定尺切割",
                    [["合金牌号", "6063"], ["直径", f"{d}mm"], ["长度", "6m 或定尺"]], [],
                    [("整吨", "吨", _yuan(20600 + d * 2), 200, 2, 1, None, [(20, _yuan(20500 + d * 2))])]))
    for t in ("1.0mm", "2.0mm", "3.0mm"):
        out.append((f"1060 纯铝板 {t}", "industry.nonferrous", "永城市", "1220×2440mm", [["厚度", t], ["状态", "H24"]], [],
                    [("整吨", "吨", "22800.00", 80, 1, 1, None, ()), ("单张", "张", _yuan(D(t[:-2]) * 23), 3000, 50, 10,
                                                                      None, None)]))
    for kind, price in (("无烟块煤", 1350), ("无烟末煤", 980), ("洗精煤", 1580), ("中块煤", 1420), ("小块煤", 1300)):
        out.append((f"永城{kind}", "industry.coal_energy", "永城市", "永城矿区 低硫高热值",
                    [["发热量", "≥6000 大卡"], ["含硫", "≤0.8%"], ["交货", "矿区自提或汽运"]], [],
                    [("整吨", "吨", _yuan(price), 5000, 30, 10, None, [(100, _yuan(price - 20)), (500, _yuan(price - 45))])]))
    return "YL", out


def tapes():
    out = []
    for series, base in (("包胶", D("2.6")), ("自锁", D("3.0")), ("加厚", D("3.4")), ("荧光", D("3.2")), ("不锈钢外壳", D("5.5")), ("双面刻度", D("3.8"))):
        out.append((f"稍岗钢卷尺 {series}", "industry.hardware", "稍岗镇", "可印企业标志 起订 500 把",
                    [["系列", series], ["精度", "Ⅱ级"], ["尺带", "锰钢 19mm/25mm"]], [],
                    [("3m×16mm", "把", _yuan(base), 20000, 500, 100, 120, [(2000, _yuan(base * D("0.92"))), (10000, _yuan(base * D("0.85")))]),
                     ("5m×19mm", "把", _yuan(base * D("1.45")), 20000, 500, 100, 210, [(2000, _yuan(base * D("1.33"))), (10000, _yuan(base * D("1.23")))]),
                     ("7.5m×25mm", "把", _yuan(base * D("2.3")), 10000, 300, 100, 380, [(2000, _yuan(base * D("2.1")))]),
                     ("10m×25mm", "把", _yuan(base * D("2.9")), 8000, 300, 100, 460, ())]))
    for length in (20, 30, 50, 100):
        out.append((f"纤维卷尺 {length}m", "industry.hardware", "稍岗镇", "玻璃纤维尺带 防水", [["长度", f"{length}m"]], [],
                    [("单把", "把", _yuan(6 + length * D("0.18")), 5000, 100, 50, None, None)]))
    for item, price in (("不锈钢直尺 30cm", D("1.8")), ("不锈钢直尺 1m", D("6.5")), ("游标卡尺 0-150mm", D("18.0")),
                        ("木工角尺 300mm", D("7.5")), ("测距轮", D("45.0")), ("激光测距仪 50m", D("89.0"))):
        out.append((f"稍岗 {item}", "industry.hardware", "虞城县", "量具 批发", [["品名", item]], [],
                    [("单件", "件", _yuan(price), 3000, 50, 10, None, None)]))
    return "YC", out


def shoes():
    out = []
    for model, price in (("轻便跑步鞋", 42), ("飞织运动鞋", 48), ("休闲板鞋", 38), ("篮球鞋", 65), ("老爹鞋", 55),
                         ("帆布鞋", 22), ("健步鞋", 36), ("儿童运动鞋", 28), ("劳保鞋 防砸", 58), ("雨靴", 25)):
        for colour in ("黑色", "白色"):
            kids = model.startswith("儿童")
            sizes = [("26-30 码", D("0.9")), ("31-36 码", D("1.0"))] if kids else [("36-39 码", D("1.0")), ("40-44 码", D("1.08"))]
            out.append((f"睢县{model} {colour}", "industry.textiles_shoes", "睢县", "中原鞋都 工厂直供 300 双起批",
                        [["款式", model], ["颜色", colour], ["鞋面", "飞织/超纤"], ["鞋底", "MD+橡胶"]], [],
                        [(f"{size} 混码", "双", _yuan(price * f), 6000, 300, 50, 700, [(1000, _yuan(price * f * D("0.94"))),
                                                                                   (5000, _yuan(price * f * D("0.88")))])
                         for size, f in sizes]))
    return "SX", out


VEGETABLES = [("大白菜", D("0.9")), ("土豆", D("1.4")), ("西红柿", D("2.6")), ("黄瓜", D("2.2")), ("大葱", D("2.0")), ("胡萝卜", D("1.5")), ("洋葱", D("1.3")),
              ("青椒", D("2.8")), ("茄子", D("2.3")), ("豆角", D("4.0")), ("芹菜", D("1.8")), ("菠菜", D("3.0")), ("生菜", D("2.5")), ("莲藕", D("3.6")),
              ("铁棍山药", D("6.5")), ("冬瓜", D("0.9")), ("南瓜", D("1.2")), ("蒜薹", D("4.5")), ("生姜", D("5.5")), ("大蒜", D("4.2")), ("韭菜", D("3.2")),
              ("西兰花", D("4.2")), ("花菜", D("2.8")), ("白萝卜", D("0.9")), ("香菜", D("5.0")), ("蒜苗", D("4.0"))]


def vegetables():
    out = []
    for name, per_jin in VEGETABLES:
        for grade in ("精品", "统货"):
            p = per_jin * _grade_factor(grade)
            out.append((f"{name} {grade}", "agri.vegetables", "梁园区", "批发市场当日到货 凌晨三点开市",
                        [["等级", grade], ["产地", "豫东"], ["储存", "冷藏"]], [],
                        [("按斤", "斤", _yuan(p), 5000, 20, 10, 500, [(200, _yuan(p * D("0.93"))), (1000, _yuan(p * D("0.86")))]),
                         ("整件 约 20kg", "件", _yuan(p * 38), 200, 1, 1, 20000, None)]))
    return "LW", out


DRIED = [("干香菇 厚菇", 68), ("黑木耳", 72), ("银耳", 56), ("大红袍花椒", 110), ("八角", 38), ("桂皮", 24), ("香叶", 30),
         ("干辣椒 段", 28), ("红薯粉条", 12), ("黄花菜", 45), ("灰枣", 16), ("宁夏枸杞", 60), ("核桃", 26), ("花生米", 14),
         ("白芝麻", 22), ("莲子", 48), ("干海带", 18), ("小茴香", 32), ("草果", 40), ("粉丝", 11)]


def dried():
    out = []
    for name, per_kg in DRIED:
        for grade in ("特级", "一级"):
            p = per_kg * _grade_factor(grade)
            out.append((f"{name} {grade}", "agri.dried_spices", "梁园区", "干货区 C-016 件批零批",
                        [["等级", grade], ["保质期", "12个月"]], [],
                        [("500g 袋", "袋", _yuan(p / 2 * D("1.1")), 1000, 10, 10, 500, None),
                         ("5kg 件", "件", _yuan(p * 5), 200, 1, 1, 5000, None),
                         ("按斤", "斤", _yuan(p / 2), 2000, 5, 1, 500, ())]))
    return "GH", out


def mushrooms():
    out = []
    for name, per_jin in (("鲜香菇", D("5.5")), ("平菇", D("3.0")), ("双孢菇", D("4.5")), ("杏鲍菇", D("5.0")), ("金针菇", D("3.8")),
                          ("鸡腿菇", D("6.0")), ("滑子菇", D("7.5"))):
        for grade in ("一级", "二级"):
            p = per_jin * _grade_factor(grade)
            out.append((f"夏邑{name} {grade}", "agri.vegetables", "会亭镇", "大棚种植 每日采收 冷链发货",
                        [["等级", grade], ["储存", "0-4℃ 冷藏"], ["保质期", "7天"]], ["pollution_free"],
                        [("5kg 箱", "箱", _yuan(p * 10), 300, 2, 1, 5000, None),
                         ("按斤", "斤", _yuan(p), 3000, 50, 10, 500, [(500, _yuan(p * D("0.92")))])]))
    for name, price in (("干香菇 花菇", 98), ("干香菇 厚菇", 75)):
        out.append((f"夏邑{name}", "agri.dried_spices", "夏邑县", "自然晾晒 肉厚味浓", [["等级", "一级"]], ["green_food"],
                    [("500g 袋", "袋", _yuan(D(price) / 2 * D("1.1")), 500, 4, 2, 500, None), ("5kg 箱", "箱", _yuan(price * 5), 80, 1, 1,
                                                                                      5000, None)]))
    out.append(("香菇菌棒 808", "inputs.seed", "夏邑县", "合作社自产菌棒 出菇整齐", [["品种", "808"], ["规格", "15×55cm"]], [],
                [("单棒", "个", "3.20", 50000, 1000, 500, 1500, [(5000, "3.00"), (20000, "2.80")])]))
    out.append(("平菇栽培种", "inputs.seed", "夏邑县", "三级种 菌丝洁白", [["品种", "高温平菇"]], [],
                [("袋", "袋", "2.50", 20000, 200, 100, 800, None)]))
    return "XY", out


def farm():
    out = []
    items = [("粉果西红柿", "agri.vegetables", D("2.8")), ("大红西红柿", "agri.vegetables", D("2.4")), ("刺黄瓜", "agri.vegetables", D("2.3")),
             ("水果黄瓜", "agri.vegetables", D("4.5")), ("麒麟西瓜", "agri.fruit", D("1.8")), ("8424 西瓜", "agri.fruit", D("2.2")),
             ("黑美人西瓜", "agri.fruit", D("1.6")), ("羊角蜜甜瓜", "agri.fruit", D("4.0")), ("水蜜桃", "agri.fruit", D("4.5")),
             ("巨峰葡萄", "agri.fruit", D("5.0")), ("夏黑葡萄", "agri.fruit", D("6.0")), ("红富士苹果", "agri.fruit", D("3.8")),
             ("奶油草莓", "agri.fruit", D("12.0")), ("千禧小番茄", "agri.fruit", D("6.5"))]
    for name, cat, p in items:
        out.append((f"谢集{name}", cat, "谢集镇", "地头直供 可约采摘", [["种植", "露天/大棚"], ["采收", "当天"]],
                    ["pollution_free"] if "西瓜" in name else [],
                    [("按斤", "斤", _yuan(p), 4000, 10, 5, 500, [(100, _yuan(p * D("0.9"))), (1000, _yuan(p * D("0.8")))]),
                     ("10 斤箱", "箱", _yuan(p * D("10.5")), 200, 1, 1, 5000, None)]))
    # a cooperative farm also sells compound fertiliser and seed to neighbours
    out.append(("有机肥 腐熟鸡粪", "inputs.fertiliser", "谢集镇", "发酵腐熟 改良土壤", [["有机质", "≥45%"]], ["organic"],
                [("40kg 袋", "袋", "28.00", 1000, 10, 5, 40000, None)]))
    out.append(("西瓜种子 麒麟", "inputs.seed", "谢集镇", "早熟 皮薄", [["品种", "麒麟"]], [],
                [("10g 袋", "袋", "18.00", 2000, 5, 1, 10, None)]))
    return "XJ", out


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
}

#: Fallback by (shop type, county) when slugs change.
BY_TYPE_COUNTY = {
    ("cooperative", "柘城县"): chili, ("farmer", "宁陵县"): pear, ("enterprise", "民权县"): wine,
    ("enterprise", "睢县"): shoes, ("enterprise", "虞城县"): tapes, ("market_stall", "梁园区"): vegetables,
    ("cooperative", "夏邑县"): mushrooms, ("farmer", "梁园区"): farm,
}

COLOURS = {"agri": (46, 125, 50), "inputs": (120, 100, 40), "industry": (55, 71, 79)}
