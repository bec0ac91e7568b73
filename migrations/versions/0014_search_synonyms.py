"""Search: search_synonyms, the admin-editable synonym groups, with the shipped default set

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: The default groups as shipped (search.analysis.synonyms.DEFAULT_GROUPS when this was written):
#: (words, one_way: the first word is broader and finds the others).
DEFAULTS = [
    ('红酒, 干红, 红葡萄酒, 干红葡萄酒', True),
    ('葡萄酒, 干红, 干白, 红葡萄酒, 白葡萄酒', True),
    ('土豆, 马铃薯, 洋芋', False),
    ('化肥, 复合肥, 尿素, 二铵, 磷酸二铵, 钾肥, 磷肥, 水溶肥, 叶面肥, 复混肥, 掺混肥', True),
    ('肥, 肥料, 化肥, 复合肥, 尿素, 二铵, 钾肥, 磷肥, 水溶肥, 叶面肥, 有机肥', True),
    ('钾肥, 硫酸钾, 氯化钾', False),
    ('大豆, 黄豆', False),
    ('香油, 芝麻油, 麻油, 小磨香油', False),
    ('合页, 铰链', False),
    ('地瓜, 红薯, 番薯, 白薯', False),
    ('辣子, 辣椒, 干辣椒, 朝天椒, 三樱椒, 线椒, 小米椒, 辣椒面, 辣椒粉', True),
    ('辣椒, 朝天椒, 三樱椒, 线椒, 小米椒, 子弹头, 螺丝椒', True),
    ('干辣椒, 朝天椒, 三樱椒, 线椒, 小米椒', True),
    ('辣椒面, 辣椒粉', False),
    ('番茄, 西红柿, 圣女果', False),
    ('冷柜, 冰柜, 展示柜', False),
    ('卷尺, 钢卷尺, 盒尺', False),
    ('香菜, 芫荽', False),
    ('皮蛋, 松花蛋', False),
    ('杀虫剂, 吡虫啉, 阿维菌素, 氯氰菊酯, 甲维盐, 农药', True),
    ('除草剂, 草甘膦, 乙草胺, 烟嘧磺隆, 双氟磺草胺, 农药', True),
    ('杀菌剂, 多菌灵, 苯醚甲环唑, 烯酰吗啉, 戊唑醇, 农药', True),
    ('螺丝, 螺钉', False),
    ('红枣, 大枣', False),
    ('红枣, 灰枣, 骏枣', True),
    ('枣, 红枣, 大枣, 灰枣, 冬枣, 蜜枣', True),
    ('粉丝, 粉条', False),
    ('西蓝花, 西兰花, 青花菜', False),
    ('金针菜, 黄花菜', False),
    ('生姜, 姜, 老姜, 黄姜, 小黄姜', False),
    ('大蒜, 蒜头', False),
    ('蒜, 大蒜, 蒜头, 蒜米, 独头蒜, 黑蒜, 糖蒜', True),
    ('葱, 大葱, 小葱, 香葱', True),
    ('梨, 酥梨, 雪梨, 香梨, 鸭梨, 秋月梨, 黄冠梨', True),
    ('酒, 葡萄酒, 白酒, 黄酒, 米酒, 啤酒, 干红, 干白', True),
    ('白酒, 浓香型, 酱香型, 清香型, 高粱酒, 二锅头', True),
    ('桃, 黄桃, 水蜜桃, 油桃, 蟠桃', True),
    ('茶, 茶叶', False),
    ('蛋, 鸡蛋, 鸭蛋, 皮蛋, 鹌鹑蛋', True),
    ('鱼, 鲤鱼, 草鱼, 带鱼', True),
    ('油, 食用油, 香油, 花生油, 菜籽油, 豆油', True),
    ('鞋, 皮鞋, 运动鞋, 布鞋', True),
    ('尺, 卷尺, 皮尺, 水平尺, 卡尺, 角尺', True),
    ('薯, 马铃薯, 土豆, 红薯', True),
    ('菇, 香菇, 平菇, 金针菇, 花菇', True),
    ('香菇, 花菇', True),
    ('锭, 铝锭, 锌锭, 铅锭', True),
    ('铝, 铝锭, 铝棒, 铝型材, 铝板, 铝箔, 铝卷', True),
    ('醋, 陈醋, 米醋', True),
    ('蜜, 蜂蜜', False),
    ('羊, 羊肉', True),
    ('牛, 牛肉', True),
    ('藕, 莲藕', False),
    ('韭, 韭菜, 韭黄', True),
    ('柿, 柿子, 柿饼', False),
    ('虾, 小龙虾, 基围虾', True),
    ('煤, 无烟煤, 烟煤, 原煤', True),
]


def upgrade():
    table = op.create_table('search_synonyms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terms', sa.String(length=800), nullable=False),
    sa.Column('one_way', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms'))
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(table, [{"terms": terms, "one_way": one_way, "updated_at": now} for terms, one_way in DEFAULTS])


def downgrade():
    op.drop_table('search_synonyms')
