"""English names and pinyin of Chinese administrative divisions (one rule for every region).

The rule, applied by ``english_name(name, level)``:

- the name is split into its stem and its type word (柘城 + 县, 起台 + 镇, 谢集 + 村);
- the stem is written in pinyin without tones as one word, capitalised, with an apostrophe before a
  syllable that starts with a, o or e (西安 -> Xi'an); ü is written u; characters are read in the
  whole name (朝阳区 -> Chaoyang), a leading 长 as chang (长治 -> Changzhi), 单县 as Shan;
- the type word becomes an English word after it: 县 County, 区 District, 市 (county level) City,
  自治县 Autonomous County, 旗 Banner, 镇 Town, 乡 Township, 民族乡 Ethnic Township, 街道 Subdistrict,
  苏木 Sumu, 村 Village, 社区 Community, 地区 Prefecture, 自治州 Autonomous Prefecture, 盟 League;
- provinces and prefecture-level cities are written by their stem alone, as English does (Henan,
  Shangqiu, Beijing); the autonomous regions by their usual short names (Inner Mongolia, Guangxi ...);
- ethnic names before 自治 are left out of the English (长阳土家族自治县 -> Changyang Autonomous County);
- a name with no known type word (a development zone, a state farm) is written whole in pinyin.

``pinyin_of(name, level)`` is the stem's pinyin in lower case without separators (for search).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

COUNTRY_NAME_EN = "China"

#: Province-level names English writes differently from the pinyin of their stem.
PROVINCE_NAMES = {"内蒙古自治区": "Inner Mongolia", "广西壮族自治区": "Guangxi", "西藏自治区": "Xizang",
                  "宁夏回族自治区": "Ningxia", "新疆维吾尔自治区": "Xinjiang", "陕西省": "Shaanxi",
                  "香港特别行政区": "Hong Kong", "澳门特别行政区": "Macao"}

#: Type words by level, the longest first: (suffix, English word or "" for the stem alone).
SUFFIXES = {
    "province": [("省", ""), ("市", ""), ("自治区", "")],
    "city": [("自治州", "Autonomous Prefecture"), ("地区", "Prefecture"), ("市", ""), ("盟", "League")],
    "county": [("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"), ("林区", "Forestry District"),
               ("特区", "Special District"), ("县", "County"), ("区", "District"), ("市", "City"), ("旗", "Banner")],
    "township": [("街道办事处", "Subdistrict"), ("民族乡", "Ethnic Township"), ("街道", "Subdistrict"),
                 ("苏木", "Sumu"), ("办事处", "Office"), ("镇", "Town"), ("乡", "Township")],
    "village": [("村", "Village"), ("社区", "Community")],
}

_ETHNIC = ("蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|"
           "景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|"
           "保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各")
_ETHNIC_TAIL = re.compile(rf"^(.+?)(?:(?:{_ETHNIC})族)+$")
#: Village-level committees as people write them in an address (谢集村委会 -> 谢集村).
_COMMITTEES = [("村民委员会", "村"), ("村民委会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区"),
               ("居民委员会", "社区"), ("居委会", "社区")]


def village_name(official: str) -> str:
    """The village-level name without its committee word (柳河村委会 -> 柳河村, 新区社区居委会 -> 新区社区)."""
    for suffix, replacement in _COMMITTEES:
        if official.endswith(suffix) and len(official) > len(suffix):
            return official[: -len(suffix)] + replacement
    return official


def split(name: str, level: str) -> tuple[str, str]:
    """(stem, English type word) of a name at a level; the stem is the whole name when no type is known."""
    for suffix, english in SUFFIXES.get(level, []):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治") or suffix == "民族乡":
                match = _ETHNIC_TAIL.match(stem)
                stem = match.group(1) if match else stem
            return stem, english
    return name, ""


#: Readings pypinyin gets wrong in place names: a leading 长 is chang (长治, 长垣, 长阳), 单县 is Shan.
_LEADING = {"长": "chang"}
_WHOLE = {"单": ("shan",), "长子": ("zhang", "zi")}


@lru_cache(maxsize=8192)
def _syllables(text: str, context: str = "") -> tuple[str, ...]:
    """The syllables of ``text``, read inside ``context`` (the whole name: 朝阳区 reads chao, not zhao)."""
    if text in _WHOLE:
        return _WHOLE[text]
    whole = lazy_pinyin(context or text, style=Style.NORMAL, errors=lambda chars: ["?"] * len(chars))
    syllables = whole[: len(text)] if (context or text).startswith(text) and len(whole) == len(context or text) \
        else lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: ["?"] * len(chars))
    syllables = [s for s in syllables if s != "?"]
    if syllables and text[:1] in _LEADING:
        syllables[0] = _LEADING[text[:1]]
    return tuple(s.replace("v", "u") for s in syllables)


def romanise(text: str, context: str = "") -> str:
    """One word of pinyin, capitalised, with the apostrophe rule: 西安 -> Xi'an, 商丘 -> Shangqiu."""
    out = ""
    for syllable in _syllables(text, context):
        if out and syllable[:1] in ("a", "o", "e"):
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


def english_name(name: str, level: str) -> str:
    if level == "country":
        return COUNTRY_NAME_EN
    if level == "province" and name in PROVINCE_NAMES:
        return PROVINCE_NAMES[name]
    stem, english = split(name, level)
    word = romanise(stem, name) or name
    return f"{word} {english}" if english else word


def pinyin_of(name: str, level: str) -> str:
    return "".join(_syllables(split(name, level)[0], name))
