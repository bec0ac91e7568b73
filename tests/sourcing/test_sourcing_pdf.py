"""The PDF validator (marketplace.pdf): a real parse, page and size limits, active content refused."""

from __future__ import annotations

import io

import pytest

from marketplace.media import MediaError
from marketplace.pdf import pdf_headers, validate_pdf

LIMITS = {"max_bytes": 2 * 1024 * 1024, "max_pages": 5}


def make_pdf(pages: int = 1, *, js: bool = False, attachment: bool = False, launch: bool = False) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if js:
        action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject("app.alert('hi');")})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)  # noqa: SLF001
    if attachment:
        writer.add_attachment("evil.exe", b"MZ...")
    if launch:
        action = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                   NameObject("/F"): TextStringObject("calc.exe")})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)  # noqa: SLF001
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_clean_pdf_passes_and_its_pages_are_counted(app):
    assert validate_pdf(make_pdf(3), **LIMITS) == 3


@pytest.mark.parametrize("kind", ["js", "attachment", "launch"])
def test_active_content_is_refused(app, kind):
    with pytest.raises(MediaError, match="脚本或附件"):
        validate_pdf(make_pdf(**{kind: True}), **LIMITS)


def test_too_many_pages_or_bytes_are_refused(app):
    with pytest.raises(MediaError, match="页数太多"):
        validate_pdf(make_pdf(6), **LIMITS)
    with pytest.raises(MediaError, match="太大"):
        validate_pdf(make_pdf(1), max_bytes=100, max_pages=5)


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n" + b"0" * 100, b"%PDF-1.7\n garbage \n%%EOF\n",
                                  b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"])
def test_what_is_not_a_pdf_is_refused(app, data):
    with pytest.raises(MediaError):
        validate_pdf(data, **LIMITS)


def test_a_hidden_name_is_found_by_the_parser(app):
    """/J#61vaScript is /JavaScript to a reader: the byte scan misses it, the parse does not."""
    data = make_pdf(js=True).replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS", b"/J#53")
    with pytest.raises(MediaError):
        validate_pdf(data, **LIMITS)


def test_the_served_headers_make_a_download():
    headers = pdf_headers('报价单"; x.html')
    assert headers["Content-Type"] == "application/pdf" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"] == ("attachment; filename=\"x.html.pdf\"; "
                                              "filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%20x.html.pdf")
    assert pdf_headers("规格.pdf")["Content-Disposition"].startswith('attachment; filename="document.pdf"')
    assert "no-store" in headers["Cache-Control"]
