"""A listing page's own blocks kept for signed-in users, whose header is theirs.

The page cache (marketplace.page_cache) serves whole pages to visitors only: a signed-in buyer's page
carries his name, menus and unread counts, so restaurants and shops that order signed in got every
page rendered. On a page whose blocks other than the header do not depend on who reads them (a
category, a county, a search), ``@kept_blocks("catalog")`` keeps the rendered ``title``, ``head``,
``body_class``, ``content`` and ``scripts`` blocks under the same key as the page cache (language,
path with query string, the groups' versions) and, on a hit, renders only the layout around them
(templates/_kept_blocks.html): the header, the flash messages and the CSRF tokens are the reader's
own, the listing's statements and card rendering are skipped. ``X-Page-Cache: blocks`` marks a hit.

A view may be decorated only if its blocks never read the user (``current_user``, his roles, his
session), or if the readers for whom they would differ are left out with ``unless`` (a shop page's
own members) and a page only some readers may see is refused with ``do_not_keep()`` (a shop that is
not approved): tests/marketplace/test_kept_blocks.py renders each decorated page for a visitor, a
buyer and a merchant and compares the blocks. CSRF tokens inside the blocks are written as the page cache's
placeholder and replaced by the reader's token on every response. Off with the page cache
(``PAGE_CACHE_SECONDS`` = 0).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import (
    Flask,
    before_render_template,
    current_app,
    g,
    make_response,
    render_template,
    request,
    session,
)
from flask_login import current_user
from markupsafe import Markup

from marketplace.page_cache import keep, lookup, rendering_for_store, with_token

BLOCKS = ("title", "head", "body_class", "content", "scripts")
_BLOCKS = "_kept_blocks_capture"


def _eligible() -> bool:
    return (request.method in ("GET", "HEAD") and bool(current_app.config.get("PAGE_CACHE_SECONDS"))
            and getattr(current_user, "is_authenticated", False) and "_flashes" not in session)


def _capture(_app, template, context, **_extra) -> None:
    """Render the page template's own blocks from the context it is rendered with (the last template
    rendered in the request is the page: a panel rendered before it is overwritten)."""
    if g.get(_BLOCKS) is None:
        return
    ctx = template.new_context(context)
    # the template's top level first: its imports (macros the blocks call) run before the layout's
    # first line of output, where the generator is stopped
    top = template.root_render_func(ctx)
    next(top, None)
    top.close()
    g.get(_BLOCKS)["blocks"] = {name: "".join(template.blocks[name](ctx)) for name in BLOCKS
                                if name in template.blocks}


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
                    body = render_template("_kept_blocks.html", kept={k: Markup(v) for k, v in kept.items()})  # noqa: S704 - our own rendered HTML
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
                keep(key, captured["blocks"])
            response.set_data(with_token(body))
            return response

        return wrapper

    return decorator


def init_kept_blocks(app: Flask) -> None:
    before_render_template.connect(_capture, app)


__all__ = ["kept_blocks", "do_not_keep", "init_kept_blocks", "BLOCKS"]
