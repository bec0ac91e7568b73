"""The masked forms (marketplace.privacy.masking) and the filters that decide per viewer."""

from __future__ import annotations

import pytest

from marketplace.privacy.masking import FILTERS, mask_address, mask_email, mask_name, mask_phone, scrub_text


@pytest.mark.parametrize("value, masked", [
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("+86 138-1234-5678", "+86 138****5678"),
    ("8613812345678", "+86 138****5678"),
    ("0370-1234567", "037****4567"),
    ("1234567", "12****67"),
    ("12345", "****45"),
    ("1", "****"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize("value, masked", [
    ("zhang.san@example.com", "z***@example.com"),
    ("Z@EXAMPLE.CN", "Z***@EXAMPLE.CN"),
    ("no-at-sign", "n***"),
    ("", ""),
])
def test_mask_email(value, masked):
    assert mask_email(value) == masked


@pytest.mark.parametrize("value, masked", [("张三", "张*"), ("王小明", "王**"), ("欧阳小明明", "欧***"),
                                           ("Alice", "A***"), ("李", "李*"), ("  ", ""), (None, "")])
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize("value, masked", [
    ("河南省 商丘市 柘城县 城关镇人民路 8 号", "河南省 商丘市 柘城县 ****"),
    ("河南省商丘市柘城县城关镇人民路8号", "河南省商丘市柘城县 ****"),
    ("河南省 商丘市 睢阳区", "河南省 商丘市 睢阳区"),
    ("城关镇人民路 1 号", "****"),
    ("", ""),
])
def test_mask_address_keeps_province_city_county(value, masked):
    assert mask_address(value) == masked


def test_scrub_text_masks_contacts_and_leaves_ids_alone():
    text = ("call 13812345678 or 0370-7212345, mail Zhang.San@Example.com; order 20261126-000123, "
            "request a13812345678b0c, amount 13812345678901")
    out = scrub_text(text)
    assert "138****5678" in out and "037****2345" in out and "Z***@Example.com" in out
    assert "13812345678 " not in out and "Zhang.San" not in out
    assert "20261126-000123" in out and "a13812345678b0c" in out and "13812345678901" in out
    assert scrub_text("nothing personal here") == "nothing personal here"


def test_filters_reveal_only_when_told():
    assert FILTERS["mask_phone"]("13812345678") == "138****5678"
    assert FILTERS["mask_phone"]("13812345678", True) == "13812345678"
    assert FILTERS["mask_email"](None, True) == ""
    assert FILTERS["scrub"]("电话 13812345678") == "电话 138****5678"
    assert FILTERS["scrub"]("电话 13812345678", True) == "电话 13812345678"
