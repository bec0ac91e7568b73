"""Product descriptions: Markdown rendered with raw HTML disabled, then sanitised (defence in depth)."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "h5", "h6", "blockquote", "code", "pre",
                "hr", "a", "table", "thead", "tbody", "tr", "th", "td", "del"}


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.disable("image")  # product photos come from the gallery, never from third-party URLs
    return md


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a merchant's Markdown: no raw HTML, no scripts, only http(s)/mailto links, nofollow."""
    if not text:
        return Markup("")
    html = _md().render(text)
    # headings inside a product page start below the page's own h1/h2
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener ugc")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
