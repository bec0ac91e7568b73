"""Synonyms applied at query time: groups of words that stand for each other, or a broader word
that stands for narrower ones. Nothing is re-indexed when a group changes.

A group is written ``土豆 = 马铃薯 = 洋芋`` (two-way: each finds the others) or
``化肥 > 复合肥, 尿素`` (one-way: the first, broader word finds the others, not the reverse).
``Synonyms`` is the lookup built from groups; the editable table and its cache are in
``search.synonyms`` (this module needs no database).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Most alternatives one query word expands to.
MAX_EXPANSIONS = 24
MAX_TERMS = 30
MAX_TERM_CHARS = 20
_SPLIT = re.compile(r"[,，、;；\s=＝>＞]+")
_TERM = re.compile(r"^[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+$")


@dataclass(frozen=True)
class SynonymGroup:
    terms: tuple[str, ...]
    #: the first term is broader: it finds the others, they do not find it
    one_way: bool = False


class SynonymError(ValueError):
    """A group that cannot be used (message for the user in ``args[0]``; code says which rule)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def split_terms(text: str | None) -> list[str]:
    """The words of a group as typed: separated by commas, 、, spaces, = or >; lowercased, unique."""
    out: list[str] = []
    for piece in _SPLIT.split(text or ""):
        term = piece.strip().lower()
        if term and term not in out:
            out.append(term)
    return out


def check_terms(terms: Sequence[str]) -> None:
    """Raise SynonymError for a group that cannot be used: fewer than two words, too many, a word
    too long or with punctuation inside."""
    if len(terms) < 2:
        raise SynonymError("too_few")
    if len(terms) > MAX_TERMS:
        raise SynonymError("too_many")
    for term in terms:
        if len(term) > MAX_TERM_CHARS or not _TERM.match(term):
            raise SynonymError("bad_term")


def parse_group(line: str) -> SynonymGroup:
    """``"土豆 = 马铃薯"`` or ``"化肥 > 复合肥, 尿素"`` as a group."""
    one_way = ">" in line or "＞" in line
    terms = split_terms(line)
    check_terms(terms)
    return SynonymGroup(tuple(terms), one_way)


class Synonyms:
    """{word: the words it also finds}, from groups."""

    def __init__(self, groups: Iterable[SynonymGroup] = ()):
        self._map: dict[str, list[str]] = {}
        for group in groups:
            terms = list(group.terms)
            sources = terms[:1] if group.one_way else terms
            for source in sources:
                targets = self._map.setdefault(source, [])
                targets += [t for t in terms if t != source and t not in targets]

    def __len__(self) -> int:
        return len(self._map)

    def expand(self, term: str) -> tuple[str, ...]:
        """The words ``term`` also finds (not ``term`` itself), nearest first; a one-way target's own
        two-way synonyms are included (化肥 > 钾肥, and 钾肥 = 氯化钾 ...)."""
        term = term.lower()
        out = list(self._map.get(term, ()))
        for target in list(out):
            out += [t for t in self._map.get(target, ()) if t != term and t not in out]
        return tuple(out[:MAX_EXPANSIONS])


#: The shipped set (loaded by the migration that creates the table, and by ``flask search
#: synonyms load-defaults``): produce, farm inputs and hardware as buyers in the market name them.
DEFAULT_GROUPS = (
    "红酒 > 干红, 红葡萄酒, 干红葡萄酒",
    "葡萄酒 > 干红, 干白, 红葡萄酒, 白葡萄酒",
    "土豆 = 马铃薯 = 洋芋",
    "化肥 > 复合肥, 尿素, 二铵, 磷酸二铵, 钾肥, 磷肥, 水溶肥, 叶面肥, 复混肥, 掺混肥",
    "肥 > 肥料, 化肥, 复合肥, 尿素, 二铵, 钾肥, 磷肥, 水溶肥, 叶面肥, 有机肥",
    "钾肥 = 硫酸钾 = 氯化钾",
    "大豆 = 黄豆",
    "香油 = 芝麻油 = 麻油 = 小磨香油",
    "合页 = 铰链",
    "地瓜 = 红薯 = 番薯 = 白薯",
    "辣子 > 辣椒, 干辣椒, 朝天椒, 三樱椒, 线椒, 小米椒, 辣椒面, 辣椒粉",
    "辣椒 > 朝天椒, 三樱椒, 线椒, 小米椒, 子弹头, 螺丝椒",
    "干辣椒 > 朝天椒, 三樱椒, 线椒, 小米椒",
    "辣椒面 = 辣椒粉",
    "番茄 = 西红柿 = 圣女果",
    "冷柜 = 冰柜 = 展示柜",
    "卷尺 = 钢卷尺 = 盒尺",
    "香菜 = 芫荽",
    "皮蛋 = 松花蛋",
    "杀虫剂 > 吡虫啉, 阿维菌素, 氯氰菊酯, 甲维盐, 农药",
    "除草剂 > 草甘膦, 乙草胺, 烟嘧磺隆, 双氟磺草胺, 农药",
    "杀菌剂 > 多菌灵, 苯醚甲环唑, 烯酰吗啉, 戊唑醇, 农药",
    "螺丝 = 螺钉",
    "红枣 = 大枣",
    "红枣 > 灰枣, 骏枣",
    "枣 > 红枣, 大枣, 灰枣, 冬枣, 蜜枣",
    "粉丝 = 粉条",
    "西蓝花 = 西兰花 = 青花菜",
    "金针菜 = 黄花菜",
    "生姜 = 姜 = 老姜 = 黄姜 = 小黄姜",
    "大蒜 = 蒜头",
    "大蒜 > 独头蒜, 紫皮蒜, 白皮蒜, 蒜米, 蒜瓣, 湿蒜, 干蒜",
    "电解铝 > 铝锭, 原铝",
    "复合肥 > 复混肥, 掺混肥",
    "卷尺 > 皮尺",
    "干辣椒 = 干椒",
    "朝天椒 > 艳椒, 子弹头",
    "干红葡萄酒 = 干红",
    "生姜 > 干姜, 姜片",
    "大葱 > 葱",
    "韭菜 > 韭黄",
    "猪肉 > 后腿肉, 前腿肉, 五花肉, 排骨, 里脊, 猪蹄",
    "牛肉 > 牛腩, 牛腱, 牛排",
    "羊肉 > 羊排, 羊肉卷, 羊腿",
    "蒜 > 大蒜, 蒜头, 蒜米, 独头蒜, 黑蒜, 糖蒜",
    "葱 > 大葱, 小葱, 香葱",
    "梨 > 酥梨, 雪梨, 香梨, 鸭梨, 秋月梨, 黄冠梨",
    "酒 > 葡萄酒, 白酒, 黄酒, 米酒, 啤酒, 干红, 干白",
    "白酒 > 浓香型, 酱香型, 清香型, 高粱酒, 二锅头",
    "桃 > 黄桃, 水蜜桃, 油桃, 蟠桃",
    "茶 = 茶叶",
    "蛋 > 鸡蛋, 鸭蛋, 皮蛋, 鹌鹑蛋",
    "鱼 > 鲤鱼, 草鱼, 带鱼",
    "油 > 食用油, 香油, 花生油, 菜籽油, 豆油",
    "鞋 > 皮鞋, 运动鞋, 布鞋",
    "尺 > 卷尺, 皮尺, 水平尺, 卡尺, 角尺",
    "薯 > 马铃薯, 土豆, 红薯",
    "菇 > 香菇, 平菇, 金针菇, 花菇",
    "香菇 > 花菇",
    "锭 > 铝锭, 锌锭, 铅锭",
    "铝 > 铝锭, 铝棒, 铝型材, 铝板, 铝箔, 铝卷",
    "醋 > 陈醋, 米醋",
    "蜜 = 蜂蜜",
    "羊 > 羊肉",
    "牛 > 牛肉",
    "藕 = 莲藕",
    "韭 > 韭菜, 韭黄",
    "柿 = 柿子 = 柿饼",
    "虾 > 小龙虾, 基围虾",
    "煤 > 无烟煤, 烟煤, 原煤",
)


def default_groups() -> list[SynonymGroup]:
    return [parse_group(line) for line in DEFAULT_GROUPS]
