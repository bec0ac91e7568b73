"""The demo's industrial goods and farm inputs, shop by shop: aluminium and coal of 永城, tape
measures of 稍岗 (虞城), shoes of 睢县, refrigeration of 民权 (中国冷谷), superhard materials of
柘城, and a farm-supply store of 夏邑.

Each builder returns (product code prefix, [product spec]); see catalog.seed_variants.
"""

from __future__ import annotations

from decimal import Decimal as D

from catalog.seed_variants import grid, ladder, product, yuan

_TON = ladder((20, "0.995"), (100, "0.99"))


def aluminium():
    """永城's coal-power-aluminium chain: ingots, billets, sheet and profiles, and the coal."""
    return "YL", [
        product("电解铝锭", "industry.nonferrous", "永城市", "标准铝锭 约 20kg/块 按吨报价 A00 与高纯可选",
                [["牌号", "Al99.70（A00）/ Al99.85"], ["执行标准", "GB/T 1196"], ["单锭重", "约 20kg"]], [],
                [("A00 Al99.70 整吨", "吨", "19850.00", 500, 5, 1, None, [(50, "19800.00"), (200, "19750.00")]),
                 ("Al99.85 整吨", "吨", "20300.00", 120, 5, 1, None, [(50, "20250.00")])]),
        product("6063 铝棒", "industry.nonferrous", "永城市", "均质处理 定尺切割 直径 90-203mm",
                [["合金牌号", "6063"], ["长度", "6m 或定尺"]], [],
                [(f"直径 {d}mm 整吨", "吨", yuan(20600 + d * 2), 200, 2, 1, None, [(20, yuan(20500 + d * 2))])
                 for d in (90, 120, 152, 178, 203)]),
        product("1060 纯铝板", "industry.nonferrous", "永城市", "1220×2440mm H24 按吨或按张",
                [["状态", "H24"], ["规格", "1220×2440mm"]], [],
                [v for t in ("1.0", "2.0", "3.0") for v in (
                    (f"{t}mm 整吨", "吨", "22800.00", 80, 1, 1, None, ()),
                    (f"{t}mm 单张", "张", yuan(D(t) * 23), 3000, 50, 10, int(D(t) * 8030), None))]),
        product("6063 铝合金门窗型材", "industry.building", "永城市", "断桥隔热 阳极氧化 按吨批发 门窗厂直供",
                [["合金牌号", "6063-T5"], ["表面", "阳极氧化/粉末喷涂"]], [],
                grid([("55 系列", 1), ("70 系列断桥", D("1.18")), ("80 系列断桥", D("1.26"))],
                     [("整吨", "吨", 1, 60, 1, 1, None, _TON)], "23800")),
        product("铝单板 幕墙板", "industry.building", "永城市", "氟碳喷涂 按图加工 幕墙 吊顶",
                [["材质", "3003 铝合金"], ["表面", "氟碳喷涂"]], [],
                grid([("2.0mm", 1), ("2.5mm", D("1.2")), ("3.0mm", D("1.4"))],
                     [("1200×2400mm 单张", "张", 1, 2000, 20, 10, None, ladder((200, "0.94")))], "420")),
        product("永城无烟煤", "industry.coal_energy", "永城市", "永城煤炭 矿区直供 低硫高热值 块煤末煤可选",
                [["发热量", "≥6000 大卡"], ["含硫", "≤0.8%"], ["交货", "矿区自提或汽运"]], [],
                grid([("块煤 50-100mm", 1350), ("中块 25-50mm", 1420), ("小块 13-25mm", 1300), ("末煤 0-13mm", 980)],
                     [("整吨", "吨", 1, 5000, 30, 10, None, lambda p: [(100, p - 20), (500, p - 45)])], 1)),
        product("永城洗精煤", "industry.coal_energy", "永城市", "永城煤炭 炼焦配煤 灰分低", [["灰分", "≤10%"], ["含硫", "≤0.6%"]], [],
                [("整吨", "吨", "1580.00", 3000, 30, 10, None, [(100, "1560.00"), (500, "1535.00")])]),
    ]


def tapes():
    """稍岗 (虞城): China's tape-measure town."""
    sizes = [("3m×16mm", 1, 120), ("5m×19mm", D("1.45"), 210), ("7.5m×25mm", D("2.3"), 380), ("10m×25mm", D("2.9"), 460)]
    out = []
    for series, base, note, colours in (
            ("包胶", "2.6", "包胶防摔外壳 黄色与荧光绿", (("黄色", 1), ("荧光绿", D("1.08")))),
            ("自锁", "3.0", "自锁按键 拉出不回缩", (("", 1),)), ("不锈钢外壳", "5.5", "不锈钢外壳 耐用", (("", 1),)),
            ("双面刻度", "3.8", "正反两面刻度 木工用", (("", 1),))):
        b = D(base)
        out.append(product(f"稍岗{series}钢卷尺", "industry.hardware", "稍岗镇", f"{note} 可印企业标志 起订 500 把",
                           [["系列", series], ["精度", "Ⅱ级"], ["尺带", "锰钢"]], [],
                           [(" · ".join(x for x in (colour, name) if x), "把", yuan(b * c * f),
                             20000 if f < 2 else 8000, 500 if f < 2 else 300, 100, grams,
                             [(2000, yuan(b * c * f * D("0.92"))), (10000, yuan(b * c * f * D("0.85")))])
                            for colour, c in colours for name, f, grams in sizes]))
    out.append(product("稍岗纤维卷尺", "industry.hardware", "稍岗镇", "玻璃纤维尺带 防水", [["尺带", "玻璃纤维"]], [],
                       [(f"{n}m", "把", yuan(6 + n * D("0.18")), 5000, 100, 50, None, None) for n in (20, 30, 50, 100)]))
    out.append(product("稍岗不锈钢直尺", "industry.hardware", "稍岗镇", "刻度清晰 不生锈", [["材质", "不锈钢"]], [],
                       [("30cm", "把", "1.80", 5000, 50, 10, None, None), ("50cm", "把", "3.20", 3000, 50, 10, None, None),
                        ("1m", "把", "6.50", 2000, 50, 10, None, None)]))
    out.append(product("游标卡尺", "industry.hardware", "虞城县", "五金量具 碳钢 精度 0.02mm", [["精度", "0.02mm"]], [],
                       [("0-150mm", "把", "18.00", 3000, 50, 10, None, None), ("0-200mm", "把", "26.00", 1500, 50, 10, None, None),
                        ("0-300mm", "把", "45.00", 800, 20, 10, None, None)]))
    out.append(product("木工角尺", "industry.hardware", "虞城县", "五金量具 90 度直角 加厚", [["材质", "铝合金 不锈钢"]], [],
                       [("300mm", "把", "7.50", 3000, 50, 10, None, None), ("500mm", "把", "12.00", 1500, 50, 10, None, None)]))
    out.append(product("激光测距仪", "industry.hardware", "虞城县", "一键测距 面积体积计算", [["精度", "±2mm"]], [],
                       [("40m", "台", "79.00", 600, 10, 5, None, None), ("60m", "台", "99.00", 500, 10, 5, None, None),
                        ("100m", "台", "149.00", 300, 5, 5, None, None)]))
    out.append(product("测距轮", "industry.hardware", "虞城县", "道路 农田 测量", [["轮径", "318mm"]], [],
                       [("机械计数", "个", "45.00", 1000, 20, 10, None, None), ("电子计数", "个", "88.00", 500, 20, 10, None, None)]))
    return "YC", out


def shoes():
    """睢县: 中原鞋都, sports and casual shoes from the factory, by colour and size run."""
    out = []
    for model, price in (("轻便跑步鞋", 42), ("飞织运动鞋", 48), ("休闲板鞋", 38), ("篮球鞋", 65), ("老爹鞋", 55),
                         ("帆布鞋", 22), ("健步鞋", 36), ("儿童运动鞋", 28), ("劳保鞋 防砸", 58), ("雨靴", 25)):
        kids = model.startswith("儿童")
        runs = ([("26-30 码混码", D("0.9")), ("31-36 码混码", 1)] if kids else [("36-39 码混码", 1), ("40-44 码混码", D("1.08"))])
        levels = [(f"{colour} {run}", f) for colour in ("黑色", "白色") for run, f in runs]
        out.append(product(f"睢县{model}", "industry.textiles_shoes", "睢县", "中原鞋都 工厂直供 制鞋 300 双起批 黑白两色",
                           [["款式", model], ["颜色", "黑色/白色"], ["鞋面", "飞织/超纤"], ["鞋底", "MD+橡胶"]], [],
                           grid(levels, [("", "双", 1, 6000, 300, 50, 700, ladder((1000, "0.94"), (5000, "0.88")))],
                                price)))
    return "SX", out


def fridges():
    """民权: 中国冷谷, freezers and cold-room units."""
    return "LG", [
        product("卧式冷柜", "industry.machinery", "民权县", "民权制冷设备 中国冷谷 一级能效 冷藏冷冻转换",
                [["能效", "一级"], ["制冷剂", "R600a"]], [],
                [("208L", "台", "1280.00", 300, 1, 1, None, [(10, "1220.00"), (50, "1160.00")]),
                 ("308L", "台", "1580.00", 200, 1, 1, None, [(10, "1500.00"), (50, "1430.00")]),
                 ("458L", "台", "2180.00", 120, 1, 1, None, [(10, "2080.00")])]),
        product("立式冷藏展示柜", "industry.machinery", "民权县", "超市 便利店 饮料柜 风冷无霜", [["温度", "2-8℃"]], [],
                [("单门 400L", "台", "2600.00", 100, 1, 1, None, [(10, "2480.00")]),
                 ("双门 800L", "台", "4300.00", 60, 1, 1, None, [(10, "4100.00")]),
                 ("三门 1200L", "台", "6200.00", 30, 1, 1, None, ())]),
        product("商用厨房冰箱", "industry.machinery", "民权县", "饭店后厨 不锈钢 冷藏冷冻双温", [["材质", "304 不锈钢"]], [],
                [("四门", "台", "3800.00", 80, 1, 1, None, ()), ("六门", "台", "5200.00", 50, 1, 1, None, ())]),
        product("超市冷冻岛柜", "industry.machinery", "民权县", "速冻食品 冰淇淋 展示", [["温度", "-18℃ 以下"]], [],
                [("1.8m", "台", "4600.00", 40, 1, 1, None, ()), ("2.5m", "台", "6100.00", 30, 1, 1, None, ())]),
        product("冷库制冷机组", "industry.machinery", "民权县", "保鲜库 冷冻库 上门安装", [["压缩机", "涡旋式"]], [],
                [("3 匹", "套", "8800.00", 30, 1, 1, None, ()), ("5 匹", "套", "12800.00", 20, 1, 1, None, ()),
                 ("10 匹", "套", "23800.00", 10, 1, 1, None, ())]),
    ]


def diamond():
    """柘城: 金刚石 and superhard materials (the county's second industry after chili)."""
    return "JG", [
        product("人造金刚石微粉", "industry.hardware", "柘城县", "柘城金刚石 超硬材料 研磨抛光 粒度齐全",
                [["材质", "人造金刚石"], ["用途", "研磨 抛光"]], [],
                [(f"{size}", "克", price, 200000, 1000, 500, 1, [(10000, yuan(D(price) * D("0.9")))])
                 for size, price in (("W1 (0-1μm)", "0.45"), ("W3.5 (2-3.5μm)", "0.32"), ("W10 (7-10μm)", "0.22"),
                                     ("W40 (28-40μm)", "0.15"))]),
        product("人造金刚石单晶", "industry.hardware", "柘城县", "柘城金刚石 锯切 钻探磨料", [["用途", "锯片 钻头"]], [],
                [(f"{mesh} 目", "克", price, 100000, 1000, 500, 1, None)
                 for mesh, price in (("40/45", "0.60"), ("50/60", "0.48"), ("70/80", "0.36"))]),
        product("立方氮化硼微粉", "industry.hardware", "柘城县", "超硬材料 CBN 磨削淬火钢", [["材质", "立方氮化硼"]], [],
                [("W5", "克", "0.80", 50000, 500, 100, 1, None), ("W20", "克", "0.55", 50000, 500, 100, 1, None)]),
        product("金刚石锯片", "industry.hardware", "柘城县", "石材 瓷砖 混凝土切割", [["结合剂", "金属"]], [],
                [("114mm", "张", "9.50", 5000, 50, 10, None, None),
                 ("350mm", "张", "68.00", 800, 10, 5, None, None)]),
    ]


def farm_supply():
    """夏邑: a farm-supply store (农资) with crop protection, machines, watermelon seed and fertiliser."""
    return "NZ", [
        product("吡虫啉 可湿性粉剂", "inputs.pesticide", "夏邑县", "蚜虫 飞虱 低毒 农药登记证齐全", [["含量", "10%"]], [],
                [("10g 袋", "袋", "1.50", 10000, 50, 50, 10, None), ("1kg 袋", "袋", "98.00", 300, 5, 1, 1000, None)]),
        product("多菌灵 可湿性粉剂", "inputs.pesticide", "夏邑县", "广谱杀菌 小麦赤霉病", [["含量", "50%"]], [],
                [("100g 袋", "袋", "3.50", 5000, 20, 10, 100, None), ("1kg 袋", "袋", "28.00", 500, 5, 1, 1000, None)]),
        product("阿维菌素 乳油", "inputs.pesticide", "夏邑县", "红蜘蛛 菜青虫", [["含量", "1.8%"]], [],
                [("100ml 瓶", "瓶", "6.00", 3000, 20, 10, 100, None), ("5L 桶", "桶", "220.00", 100, 1, 1, 5000, ())]),
        product("微耕机", "inputs.machinery", "夏邑县", "旋耕 开沟 大棚果园", [["动力", "柴油"]], [],
                [("6 马力", "台", "1680.00", 40, 1, 1, None, ()), ("9 马力", "台", "2380.00", 30, 1, 1, None, ())]),
        product("电动喷雾器", "inputs.machinery", "夏邑县", "锂电 背负式", [["电池", "12V 锂电"]], [],
                [("16L", "台", "168.00", 300, 2, 1, None, [(20, "158.00")]),
                 ("20L", "台", "198.00", 200, 2, 1, None, [(20, "186.00")])]),
        product("夏邑西瓜种子", "inputs.seed", "夏邑县", "夏邑西瓜 早熟 皮薄 沙瓤", [["品种", "早佳/京欣"]], [],
                [("10g 袋", "袋", "18.00", 2000, 5, 1, 10, None), ("100g 袋", "袋", "160.00", 200, 1, 1, 100, ())]),
        product("西瓜专用肥", "inputs.fertiliser", "夏邑县", "高钾 膨果 提甜", [["养分", "N-P2O5-K2O 15-8-22"]], [],
                [("40kg 袋", "袋", "150.00", 600, 5, 1, 40000, [(40, "144.00")])]),
    ]
