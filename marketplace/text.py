"""Text hygiene: the one place that decides which characters of user text are kept.

Two uses, one rule set:

* ``strip_controls`` cleans free text coming in (query strings, form fields, JSON bodies; see
  ``marketplace.input``): C0 control characters and DEL are removed, tab, line feed and carriage
  return are kept (a textarea's line breaks are text). NUL is not silently dropped there: the
  request is refused (``has_forbidden``), because PostgreSQL cannot store it and a NUL in input is
  never an honest mistake.
* ``single_line`` makes text safe for one line of a header (an e-mail subject, a display name):
  every control character, line break included, becomes a space, runs of spaces collapse and the
  length is bounded. A shop named ``"A\\r\\nBcc: x"`` yields the subject ``"A Bcc: x"``, never a
  second header line.
"""

from __future__ import annotations

import re

#: C0 controls except tab, LF and CR, and DEL: removed from free text.
_FREE_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Every character that breaks or hides inside one header line: C0 (line breaks and tab too), DEL,
#: C1, and Unicode's line and paragraph separators.
_LINE_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"[ \u3000]{2,}")
#: NUL (PostgreSQL refuses it in text) and lone surrogates (no UTF-8 encoding exists for them:
#: the database driver refuses them); only a JSON body's "\\u0000" / "\\ud800" escapes carry them.
_FORBIDDEN = re.compile(r"[\x00\ud800-\udfff]")


def has_forbidden(text: str) -> bool:
    """True when ``text`` holds a character no database column can store (NUL, a lone surrogate)."""
    return _FORBIDDEN.search(text) is not None


def strip_controls(text: str) -> str:
    """Free text without C0 control characters and DEL; tab and line breaks stay."""
    return _FREE_TEXT_CONTROLS.sub("", text) if text else text


def single_line(text: str | None, max_length: int = 200) -> str:
    """``text`` as one header-safe line of at most ``max_length`` characters (an ellipsis marks a cut).

    Used wherever user text becomes part of a header: e-mail subjects and display names.
    """
    if not text:
        return ""
    line = _LINE_BREAKERS.sub(" ", str(text))
    line = _FORBIDDEN.sub("", line)
    line = _SPACES.sub(" ", line).strip()
    if len(line) > max_length:
        line = line[:max_length - 1].rstrip() + "…"
    return line


__all__ = ["has_forbidden", "single_line", "strip_controls"]
