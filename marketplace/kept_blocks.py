"""A listing page's own blocks kept for signed-in users, whose header is theirs.

The page cache (marketplace.page_cache) serves whole pages to visitors only: a signed-in buyer's page
carries his name, menus and unread counts, so restaurants and shops that order signed in got every
page rendered. On a page whose blocks other than the header do not depend on who reads them (a
category, a county, a search), ``@kept_blocks("catalog")`` keeps the rendered ``title``, ``head``,
``body_class``, ``content`` and ``scripts`` blocks under the same key as the page cache (language,
path with query string, the groups' versions) and, on a hit, renders only the layout around them
(templates/_kept_blocks.html): the header, the flash messages and the CSRF tokens are the reader's
own, the listing's statements and card rendering are skipped. ``X-Page-Cache: blocks`` marks a hit.
A decorated view returns ``render_page(template, **context)``: on a miss it renders the blocks once,
keeps them and renders the same layout around them (the whole page is not rendered a second time);
for every other reader it is ``render_template``.

A view may be decorated only if its blocks never read the user (``current_user``, his roles, his
session), or if the readers for whom they would differ are left out with ``unless`` (a shop page's
own members) and a page only some readers may see is refused with ``do_not_keep()`` (a shop that is
not approved): tests/marketplace/test_kept_blocks.py renders each decorated page for a visitor, a
buyer and a merchant and compares the blocks. CSRF tokens inside the blocks are written as the page cache's
placeholder and replaced by the reader's token on every response. Off with the page cache
(``PAGE_CACHE_SECONDS`` = 0).

A page whose blocks are the same for every reader but for a small part (the product page's report
form: "you reported this already" for one reader, the form for another) marks that part with the
template global ``reader_part(name, **args)``: a function registered with ``@reader_part_of(name)``
renders it from JSON-able ``args`` for the current reader. Kept blocks hold a marker in its place
(named, with its args, behind the page cache's unguessable placeholder, so no text a user wrote can
forge one) and a hit renders the part for its own reader; a part is rendered once per request.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable

from flask import (
    Flask,
    current_app,
    g,
    make_response,
    render_template,
    request,
    session,
)
from flask_login import current_user
from markupsafe import Markup

from marketplace.page_cache import keep, lookup, placeholder, rendering_for_store, with_token

BLOCKS = ("title", "head", "body_class", "content", "scripts")
_BLOCKS = "_kept_blocks_capture"
_PARTS: dict[str, Callable[..., str]] = {}
_RENDERED = "_kept_blocks_parts"


def reader_part_of(name: str) -> Callable:
    """Register ``render(**args) -> str`` (HTML) as the reader part ``name`` (see the module doc)."""

    def register(render: Callable[..., str]) -> Callable[..., str]:
        _PARTS[name] = render
        return render

    return register


def render_part(template_name: str, **context) -> str:
    """A reader part's template, rendered with ``context`` and the reader (``current_user``) only:
    not the page's context processors (menus, counts), which the page around it has run already."""
    return current_app.jinja_env.get_template(template_name).render(current_user=current_user, **context)


def _part_html(name: str, args: str) -> str:
    """The part ``name`` for this reader, from its JSON ``args``; rendered once a request."""
    done = g.setdefault(_RENDERED, {})
    if (name, args) not in done:
        done[name, args] = str(_PARTS[name](**json.loads(args)))
    return done[name, args]


@functools.cache
def _markers(secret: str) -> tuple[str, str, re.Pattern]:
    """(a part's opening marker's start, the closing marker, the pattern of a marked part: opening
    marker, the reader's content, closing marker), behind the page cache's placeholder."""
    opening, closing = f"<!--{secret} ", f"<!--{secret} /-->"
    return opening, closing, re.compile(f"({re.escape(opening)}(\\w+) (\\{{.*?\\}})-->)(.*?){re.escape(closing)}", re.S)


def reader_part(name: str, **args) -> Markup:
    """The templates' ``reader_part()``: the part for this reader; while the page's blocks are kept
    for others, between its marker and the closing marker."""
    args_json = json.dumps(args, sort_keys=True)
    html = _part_html(name, args_json)
    if g.get(_BLOCKS) is None:
        return Markup(html)  # noqa: S704 - the part's own rendered template
    opening, closing, _pattern = _markers(placeholder().decode())
    return Markup(f"{opening}{name} {args_json}-->{html}{closing}")  # noqa: S704


def _without_parts(html: str) -> str:
    """Kept: each part's markers alone, the reader's content dropped."""
    opening, closing, pattern = _markers(placeholder().decode())
    return pattern.sub(lambda m: m.group(1) + closing, html) if opening in html else html


def _with_parts(html: str) -> str:
    """Served: each marked part replaced by the part rendered for this reader (a hit's kept markers,
    a miss's own page)."""
    opening, _closing, pattern = _markers(placeholder().decode())
    return pattern.sub(lambda m: _part_html(m.group(2), m.group(3)), html) if opening in html else html


def _eligible() -> bool:
    return (request.method in ("GET", "HEAD") and bool(current_app.config.get("PAGE_CACHE_SECONDS"))
            and getattr(current_user, "is_authenticated", False) and "_flashes" not in session)


def render_page(template_name: str, **context) -> str:
    """What a decorated view returns instead of ``render_template``: the page. When its blocks are to
    be kept, they are rendered once, kept, and the layout is rendered around them as for a reader
    they are served to (templates/_kept_blocks.html), not the whole page a second time."""
    capture = g.get(_BLOCKS)
    if capture is None:
        return render_template(template_name, **context)
    template = current_app.jinja_env.get_or_select_template(template_name)
    current_app.update_template_context(context)
    ctx = template.new_context(context)
    # the template's top level first: its imports (macros the blocks call) run before the layout's
    # first line of output, where the generator is stopped
    top = template.root_render_func(ctx)
    next(top, None)
    top.close()
    capture["blocks"] = {name: "".join(template.blocks[name](ctx)) for name in BLOCKS if name in template.blocks}
    return _layout(capture["blocks"])


def _layout(blocks: dict[str, str]) -> str:
    return render_template("_kept_blocks.html", kept={k: Markup(v) for k, v in blocks.items()})  # noqa: S704 - our own rendered HTML


def do_not_keep() -> None:
    """Called by a decorated view whose page, this time, must not be kept for other readers (a shop
    page that only its members and the admins may see)."""
    g.kept_blocks_refused = True


def kept_blocks(*groups: str, unless: Callable[[], bool] | None = None) -> Callable:
    """Keep the decorated GET view's blocks for signed-in users (see the module doc). Put it under
    ``@cached_page``, which serves visitors. ``unless()`` true: this reader's page may differ (a
    shop's own members on shop pages): rendered whole, neither served nor kept."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not _eligible() or (unless is not None and unless()):
                return view(*args, **kwargs)
            key, kept = lookup(groups, prefix="blocks:")
            if key is None:  # the store cannot be used now: render as if nothing were kept
                return view(*args, **kwargs)
            if kept is not None:
                with rendering_for_store():  # the layout's own forms get the reader's token below too
                    body = _layout({k: _with_parts(v) for k, v in kept.items()})
                response = make_response(with_token(body.encode()))
                response.mimetype = "text/html"
                response.headers["X-Page-Cache"] = "blocks"
                return response
            g.setdefault(_BLOCKS, {})
            try:
                with rendering_for_store():
                    response = make_response(view(*args, **kwargs))
            finally:
                captured = g.pop(_BLOCKS, {})
            body = response.get_data()
            if (response.status_code == 200 and response.mimetype == "text/html" and "blocks" in captured
                    and not request.environ.get("marketplace.media_fallback") and not g.pop("kept_blocks_refused", False)):
                keep(key, {k: _without_parts(v) for k, v in captured["blocks"].items()})
            if g.get(_RENDERED):  # the page has a reader part: its markers give way to it
                body = _with_parts(body.decode()).encode()
            response.set_data(with_token(body))
            return response

        return wrapper

    return decorator


def init_kept_blocks(app: Flask) -> None:
    app.jinja_env.globals["reader_part"] = reader_part


__all__ = ["kept_blocks", "do_not_keep", "init_kept_blocks", "reader_part", "reader_part_of", "render_page",
           "render_part", "BLOCKS"]
