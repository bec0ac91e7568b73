"""What makes two demo products near-duplicates: titles equal once grade, size, colour and vintage
words are taken out (tests/marketplace/test_demo_data.py, tests/catalog/test_demo_catalogue.py)."""

from __future__ import annotations

import re

#: What may tell two of a shop's products apart without making them different goods.
GRADE = r"特级|一级|二级|三级|统货|精品|优级|特一|特二|标准|A00|高纯"
SIZE = (r"\d+(?:\.\d+)?\s*(?:mm|cm|m|kg|g|ml|l|码|斤|两|钱|号|米|厘米|毫米|公斤|克|升|寸|目|匹|门|枚|瓶|箱|袋|%)?"
        r"|特大|大果|中果|小果|大号|中号|小号|大块|中块|小块|块煤|末煤|细粉|粗粉|细面|宽面|龙须面|果径|直径|厚度|以上|以下|混码")
COLOUR = r"[黑白红黄蓝绿灰粉紫棕橙米金银彩]色|荧光[黄绿橙红]?"
VINTAGE = r"(?:19|20)\d{2}\s*年?|\d+\s*年陈酿|年份|陈酿"


def near_duplicate_key(title: str) -> str:
    """A title without grade, size, colour and vintage words, spaces and punctuation."""
    key = title.lower()
    for pattern in (VINTAGE, COLOUR, GRADE, SIZE):
        key = re.sub(pattern, "", key, flags=re.IGNORECASE)
    return re.sub(r"[\s\W_]+", "", key)
