"""Unit tests of the engine-neutral query analysis: characters, synonyms, pinyin, initials, slips."""

from __future__ import annotations

import pytest

from search.analysis import index_terms, init_jieba, parse_query
from search.analysis.expand import INITIALS, NGRAM, PINYIN, WORD, expand_query
from search.analysis.ngrams import ngram_terms, query_ngrams
from search.analysis.synonyms import SynonymError, Synonyms, default_groups, parse_group
from search.analysis.vocabulary import Vocabulary

WORDS = ["辣椒", "苹果", "钢", "卷尺", "钢卷尺", "永城", "面粉", "磷酸", "二铵", "平菇", "鸡", "哦", "葡萄酒"]


@pytest.fixture(scope="module")
def vocabulary():
    init_jieba()
    return Vocabulary(WORDS)


def alts(group, kind):
    return [a.terms for a in group.alts if a.kind == kind]


def test_single_characters_and_pairs_are_indexed_without_false_subwords():
    terms = [t for t, _s, _e in ngram_terms("酥梨 复合肥")]
    assert "梨" in terms and "酥梨" in terms and "复合" in terms
    assert "合肥" not in terms
    assert "合肥" not in [t for t, _s, _e in index_terms("复合肥")]
    assert "合肥" in [t for t, _s, _e in index_terms("合肥市场")]
    assert query_ngrams("梨") == ("梨",) and query_ngrams("钢卷尺") == ("钢卷", "卷尺")


def test_a_single_character_asks_for_the_character():
    (group,) = expand_query(parse_query("梨")).groups
    assert ("梨",) in alts(group, WORD) and ("梨",) in alts(group, NGRAM)


def test_synonyms_two_way_and_one_way():
    table = Synonyms([parse_group("土豆 = 马铃薯 = 洋芋"), parse_group("化肥 > 复合肥, 尿素")])
    assert set(table.expand("洋芋")) == {"土豆", "马铃薯"}
    assert set(table.expand("化肥")) == {"复合肥", "尿素"}
    assert table.expand("尿素") == ()  # a narrower word does not find the broader one
    parsed = parse_query("化肥")
    parsed.synonyms = table
    (group,) = expand_query(parsed).groups
    assert ("尿素",) in alts(group, WORD) and ("复合肥",) in alts(group, WORD)


@pytest.mark.parametrize(("line", "code"), [("土豆", "too_few"), ("土豆 = 土豆", "too_few"),
                                             ("土豆 = 马铃<薯", "bad_term"), ("土豆 = " + "马" * 21, "bad_term"),
                                             (", ".join(f"词{i}" for i in range(31)), "too_many")])
def test_bad_synonym_groups_are_refused(line, code):
    with pytest.raises(SynonymError) as caught:
        parse_group(line)
    assert caught.value.code == code


def test_default_groups_parse():
    assert len(default_groups()) > 40


@pytest.mark.parametrize("text", ["lajiao", "la jiao", "LaJiao"])
def test_pinyin_run_together_spaced_or_mixed_case(vocabulary, text):
    (group,) = expand_query(parse_query(text), vocabulary).groups
    assert ("辣椒",) in alts(group, WORD) and ("lajiao",) in alts(group, PINYIN)


def test_pinyin_mixed_with_chinese_and_across_words(vocabulary):
    groups = expand_query(parse_query("永城mianfen"), vocabulary).groups
    assert [g.raw for g in groups] == ["永城", "mianfen"] and ("面粉",) in alts(groups[1], WORD)
    groups = expand_query(parse_query("gang juan chi"), vocabulary).groups
    assert any(("钢卷尺",) in alts(g, WORD) for g in groups)


def test_initials_across_words(vocabulary):
    groups = expand_query(parse_query("ycmf"), vocabulary).groups
    assert [g.raw for g in groups] == ["yc", "mf"]
    assert ("永城",) in alts(groups[0], WORD) and ("mf",) in alts(groups[1], INITIALS)
    assert vocabulary.split("lsea", initials=True) == ["ls", "ea"]


def test_slips_only_when_fuzzy(vocabulary):
    (group,) = expand_query(parse_query("lajio"), vocabulary).groups
    assert ("辣椒",) not in alts(group, WORD)
    (group,) = expand_query(parse_query("lajio"), vocabulary, fuzzy=True).groups
    assert ("辣椒",) in alts(group, WORD)
    assert vocabulary.corrections("pinguo")[0] == "pingguo"
    assert vocabulary.split("lajio") is None  # not 辣 鸡 哦
    (group,) = expand_query(parse_query("平果"), vocabulary, fuzzy=True).groups
    assert ("苹果",) in alts(group, WORD)


def test_a_stop_word_is_a_syllable_beside_other_pinyin():
    voc = Vocabulary(["香油", "芝麻"])
    (group,) = expand_query(parse_query("xiang you"), voc).groups
    assert ("香油",) in alts(group, WORD)
    assert [g.raw for g in expand_query(parse_query("the zhima"), voc).groups] == ["zhima"]  # alone: dropped
    assert parse_query("you").empty and not parse_query("you xiang").empty


def test_a_word_jieba_cuts_still_finds_its_synonyms():
    parsed = parse_query("西蓝花")
    parsed.synonyms = Synonyms([parse_group("西蓝花 = 西兰花")])
    (group,) = expand_query(parsed).groups
    assert ("西兰花",) in alts(group, WORD) and tuple(parsed.words[0].terms) in alts(group, WORD)


@pytest.mark.parametrize(("typed", "meant"), [("hongzhao", "hongzao"), ("malinshu", "malingshu"),
                                              ("xiangyuo", "xiangyou"), ("baijou", "baijiu")])
def test_slips_prefer_confused_sounds_then_swaps_then_common_words(typed, meant):
    voc = Vocabulary({"红枣": 9, "红烧": 2, "马铃薯": 5, "吗啉": 1, "数": 1, "香油": 4, "鲜活": 6, "白酒": 6, "白菊": 1})
    assert voc.corrections(typed)[0] == meant
    groups = expand_query(parse_query(typed), voc, fuzzy=True).groups
    assert len(groups) == 1 and voc.words(meant)[0] in [a.terms[0] for a in groups[0].alts if a.kind == WORD]


def test_one_spelling_of_several_words_ranks_the_commoner_first():
    voc = Vocabulary({"白酒": 6, "白菊": 1, "北京": 1})
    assert voc.words("bj", initials=True)[0] == "白酒"
    (group,) = expand_query(parse_query("bj"), voc).groups
    weight = {a.terms: a.weight for a in group.alts if a.kind == WORD}
    assert weight[("白酒",)] > weight[("白菊",)] == weight[("北京",)]
    spelled = next(a.weight for a in group.alts if a.kind == INITIALS)
    assert spelled < weight[("白菊",)]  # the bare initials rank below any word they spell
