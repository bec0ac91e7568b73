"""统一社会信用代码 (the unified social credit code of a Chinese organisation, GB 32100-2015): 18
characters from a 31-character alphabet (no I, O, Z, S, V), the last one a check character computed
from the first seventeen. Used by invoice titles and business profiles."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th character for the first seventeen (which must be in the alphabet)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(text) -> str | None:
    """The code in canonical form (upper case, no spaces), or None when it is not a valid code."""
    if not isinstance(text, str):
        return None
    code = "".join(text.split()).upper()
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return None
    return code if check_character(code[:17]) == code[17] else None
