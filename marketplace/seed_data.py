"""The demo's people and shops: Shangqiu's counties and what they are known for.

Other domains' seed steps find the demo shops by these slugs (``DEMO_SHOPS[i]["slug"]``) and the
demo accounts by these e-mail addresses.
"""

from __future__ import annotations

#: Every demo account has this password (documented in the README and printed by seed-demo).
DEMO_PASSWORD = "demo12345!"
ADMIN_EMAIL = "admin@demo.example"

#: (email, name, roles)
DEMO_USERS = [
    (ADMIN_EMAIL, "平台管理员", ("admin",)),
    ("officer@demo.example", "招商局 张科长", ("officer",)),
    # a reviewer is a senior officer: he also works in the investment office
    ("reviewer@demo.example", "招商局 李主任", ("officer", "reviewer")),
    ("buyer@demo.example", "王芳（睢阳区餐馆）", ()),
    ("buyer2@demo.example", "刘强（梁园区超市）", ()),
    ("buyer3@demo.example", "陈静（杭州西湖区餐厅）", ()),
    ("factory@demo.example", "孙伟（永城市食品厂 采购）", ()),
    ("home@demo.example", "李娟（梁园区 家庭）", ()),
    # the agriculture bureau reviews market prices; the reporter reports the central market's prices
    # (his grant is scoped to that market: prices/seed.py gives it once the market exists)
    ("agri@demo.example", "农业农村局 赵科长", ("agriculture_officer",)),
    ("reporter@demo.example", "周师傅（中心批发市场 报价员）", ()),
    # a village information clerk: keeps 柘城县起台镇王庄村's column (scoped grant: marketplace.regions.demo_columns)
    ("clerk@demo.example", "王小梅（王庄村 信息员）", ()),
    # the market regulation bureau's food-safety inspector: reads shops, licences, batches and recalls
    # (/regulator, every look audited) and may recall a batch
    ("regulator@demo.example", "市场监管局 钱科长", ("food_safety_regulator",)),
]
#: What the closing table says of an account whose role is scoped (granted by a domain's seed step).
DEMO_SCOPED_ROLES = {"reporter@demo.example": "market_reporter", "clerk@demo.example": "village_clerk"}

#: Sign-in mobile numbers of demo accounts (sign in at /account/phone/login; with SMS_PROVIDER=outbox,
#: the default, no SMS is sent: the code is on /admin/outbox and in the server's log).
DEMO_MOBILES = {
    "buyer@demo.example": "+8613903700001",
    "buyer2@demo.example": "+8613903700002",
    "suli@demo.example": "+8613903701234",  # the pear grower of 宁陵 (her shop's phone too)
}
#: Accounts made with a mobile number only, as a farmer signs up: (mobile, name); no e-mail, no password.
PHONE_ONLY_USERS = [
    ("+8615603700003", "马桂兰（夏邑县何营乡 农户）"),
    ("+8615603700004", "郭老五（虞城县 菜贩）"),
]

_WHOLESALE_MARKET = "商丘农产品中心批发市场"

#: Shops with their owners. ``org`` is the 7-digit tail of a demo licence number; ``kind`` its
#: second digit (1 enterprise, 2 individual business, 3 farmers' cooperative).
DEMO_SHOPS = [
    {"slug": "zhecheng-lajiao-hezuoshe", "name": "柘城县辣椒合作社", "shop_type": "cooperative", "county": "柘城县",
     "township": "起台镇", "kind": "3", "org": "0000101", "colour": (176, 30, 30), "phone": "0370-7201188",
     "address": "起台镇辣椒交易市场东侧", "owner": ("lajiao@demo.example", "赵建国"),
     "description": "柘城是“中国三樱椒之乡”。本社收购、晾晒、分拣社员种植的三樱椒（朝天椒），"
                    "供应干椒、椒段、辣椒粉，整车批发，可按客户要求分级包装。"},
    {"slug": "ningling-jinding-suli", "name": "宁陵金顶酥梨种植户", "shop_type": "farmer", "county": "宁陵县",
     "township": "石桥镇", "kind": "2", "org": "0000102", "colour": (196, 160, 30), "phone": "13903701234",
     "address": "石桥镇梨园村", "owner": ("suli@demo.example", "孙秀英"),
     "description": "宁陵金顶谢花酥梨，皮薄多汁、酥脆香甜。自家梨园三十亩，八月下旬开始采摘，"
                    "论箱零售，整园批发，冷库可存到来年春天。"},
    {"slug": "minquan-putaojiu", "name": "民权葡萄酒厂", "shop_type": "enterprise", "county": "民权县",
     "kind": "1", "org": "0000103", "colour": (110, 20, 50), "phone": "0370-8561166",
     "address": "民权县城北关镇工业大道 8 号", "owner": ("wine@demo.example", "周明"),
     "description": "民权是黄河故道上的葡萄酒产区。本厂生产干红、干白和甜型葡萄酒，"
                    "承接餐饮、商超批发与企业定制酒。"},
    {"slug": "yongcheng-mianfen", "name": "永城面粉有限公司", "shop_type": "enterprise", "county": "永城市",
     "kind": "1", "org": "0000104", "colour": (190, 150, 90), "phone": "0370-5121888",
     "address": "永城市产业集聚区面粉城路 1 号", "owner": ("flour@demo.example", "陈卫东"),
     "description": "永城是“中国面粉城”。本公司用豫东优质小麦加工特一粉、高筋粉、饺子粉和麸皮，"
                    "25 公斤袋装，整车发往食品厂与面馆。"},
    {"slug": "yongcheng-lvye", "name": "永城铝业", "shop_type": "enterprise", "county": "永城市",
     "kind": "1", "org": "0000105", "colour": (110, 120, 130), "phone": "0370-5166600",
     "address": "永城市城东工业园区", "owner": ("alu@demo.example", "吴志刚"),
     "description": "依托永城煤电铝产业链，供应 A00 电解铝锭（99.70%）与铝棒，按吨报价，"
                    "可开增值税专用发票，厂区自提或物流配送。"},
    {"slug": "yucheng-shaogang-juanchi", "name": "虞城稍岗钢卷尺厂", "shop_type": "enterprise", "county": "虞城县",
     "township": "稍岗镇", "kind": "1", "org": "0000106", "colour": (230, 160, 0), "phone": "0370-4621234",
     "address": "稍岗镇五金工业园", "owner": ("tape@demo.example", "郑海涛"),
     "description": "稍岗是全国闻名的钢卷尺生产基地。本厂生产 3 米到 10 米钢卷尺、纤维卷尺，"
                    "可印企业标志，起订 500 把。"},
    {"slug": "suixian-xieye", "name": "睢县鞋业", "shop_type": "enterprise", "county": "睢县",
     "kind": "1", "org": "0000107", "colour": (40, 70, 120), "phone": "0370-8126677",
     "address": "睢县产业集聚区鞋都大道", "owner": ("shoes@demo.example", "冯丽"),
     "description": "睢县“中原鞋都”的运动鞋、休闲鞋工厂，接受来样加工和批发，"
                    "常规款式现货，300 双起批。"},
    {"slug": "nongchanpin-shucai-a108", "name": "老王蔬菜批发", "shop_type": "market_stall", "county": "梁园区",
     "kind": "2", "org": "0000108", "colour": (40, 130, 60), "phone": "13837001108",
     "market_name": _WHOLESALE_MARKET, "stall_number": "蔬菜区 A-108",
     "address": "商丘农产品中心批发市场蔬菜区 A-108", "owner": ("veg@demo.example", "王德福"),
     "description": "每天凌晨三点开市，本地时令蔬菜与外地调运蔬菜批发，饭店、食堂可预订次日配送。"},
    {"slug": "nongchanpin-ganhuo-c016", "name": "豫东干货行", "shop_type": "market_stall", "county": "梁园区",
     "kind": "2", "org": "0000109", "colour": (140, 90, 40), "phone": "13837001016",
     "market_name": _WHOLESALE_MARKET, "stall_number": "干货区 C-016",
     "address": "商丘农产品中心批发市场干货区 C-016", "owner": ("ganhuo@demo.example", "何桂兰"),
     "description": "干辣椒、花椒、八角、木耳、香菇、粉条、黄花菜等干货调料，件批与零批。"},
    {"slug": "xiayi-shiyongjun-hezuoshe", "name": "夏邑县食用菌专业合作社", "shop_type": "cooperative",
     "county": "夏邑县", "kind": "3", "org": "0000110", "colour": (150, 110, 70), "phone": "0370-6261155",
     "address": "夏邑县会亭镇食用菌产业园", "township": "会亭镇", "owner": ("mushroom@demo.example", "马俊"),
     "description": "社员大棚种植平菇、香菇、双孢菇，每日采收，鲜菇冷链发货，也供应干香菇。"},
    {"slug": "liangyuan-xieji-guoshu", "name": "梁园区谢集镇果蔬种植户", "shop_type": "farmer", "county": "梁园区",
     "township": "谢集镇", "kind": "2", "org": "0000111", "colour": (90, 150, 40), "phone": "13937002211",
     "address": "谢集镇谢集村", "owner": ("xieji@demo.example", "谢玉梅"),
     "description": "露天与大棚种植西红柿、黄瓜、西瓜，自家地头直供，可约时间到田间采摘。"},
    {"slug": "minquan-lenggui", "name": "民权冷谷制冷设备有限公司", "shop_type": "enterprise", "county": "民权县",
     "kind": "1", "org": "0000113", "colour": (20, 110, 170), "phone": "0370-8568866",
     "address": "民权县高新技术产业开发区制冷产业园 6 号", "owner": ("cold@demo.example", "韩东升"),
     "description": "民权是“中国冷谷”。本公司生产卧式冷柜、冷藏展示柜、商用厨房冰箱和冷库制冷机组，"
                    "超市、饭店与经销商批量采购有优惠，商丘市内送货安装。"},
    {"slug": "zhecheng-jingangshi", "name": "柘城县金刚石微粉有限公司", "shop_type": "enterprise", "county": "柘城县",
     "township": "浦东街道", "kind": "1", "org": "0000114", "colour": (90, 90, 140), "phone": "0370-7288899",
     "address": "柘城县产业集聚区超硬材料产业园", "owner": ("diamond@demo.example", "李振华"),
     "description": "柘城是全国重要的人造金刚石微粉产地。本公司生产金刚石微粉、单晶与立方氮化硼，"
                    "供应研磨抛光、锯片与刀具企业，按克批发，粒度齐全。"},
    {"slug": "suiyang-guidefu-shipin", "name": "商丘归德府食品有限公司", "shop_type": "enterprise", "county": "睢阳区",
     "township": "古城街道", "kind": "1", "org": "0000115", "colour": (150, 40, 40), "phone": "0370-3222666",
     "address": "睢阳区古城街道归德路 16 号", "owner": ("food@demo.example", "朱建民"),
     "description": "商丘古城（归德府）的熟食与面食：垛子羊肉、酱牛肉、扒鸡、咸鸭蛋、水激馒头，"
                    "经开区中央厨房加工，供应本地超市、饭店和单位食堂。"},
    {"slug": "nongchanpin-shuichan-b203", "name": "老李水产批发", "shop_type": "market_stall", "county": "梁园区",
     "kind": "2", "org": "0000116", "colour": (30, 120, 160), "phone": "13837002203",
     "market_name": _WHOLESALE_MARKET, "stall_number": "水产区 B-203",
     "address": "商丘农产品中心批发市场水产区 B-203", "owner": ("fish@demo.example", "李长海"),
     "description": "黄河鲤鱼、草鱼、鲫鱼、花鲢、小龙虾、泥鳅，鲜活充氧，饭店、食堂每日早市配送。"},
    {"slug": "xiayi-fengshou-nongzi", "name": "夏邑县丰收农资站", "shop_type": "enterprise", "county": "夏邑县",
     "township": "何营乡", "kind": "2", "org": "0000117", "colour": (120, 100, 40), "phone": "13937006688",
     "address": "何营乡政府东 200 米", "owner": ("nongzi@demo.example", "马国庆"),
     "description": "农药、种子、化肥、微耕机与喷雾器，夏邑西瓜种子与专用肥，农药登记证齐全，乡内送货。"},
]

#: One application waiting in the admin's queue.
PENDING_SHOP = {
    "slug": "suiyang-gucheng-gaodian", "name": "睢阳古城糕点坊", "shop_type": "enterprise", "county": "睢阳区",
    "kind": "2", "org": "0000112", "colour": (170, 60, 90), "phone": "13903709988",
    "address": "睢阳区古城南门里 12 号", "owner": ("pending@demo.example", "宋晓燕"),
    "description": "商丘古城里的老字号糕点作坊，想在网上批发传统点心给本地超市和茶馆。"}
