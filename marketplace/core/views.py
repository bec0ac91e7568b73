"""Home page and media serving."""

from __future__ import annotations

from flask import abort, current_app

from marketplace.core import bp
from marketplace.domains import page_blocks
from marketplace.kept_blocks import kept_blocks, render_page
from marketplace.media.pending import resolve
from marketplace.page_cache import cached_page
from marketplace.storage import send


@bp.get("/")
@cached_page("catalog")  # the home blocks come from the catalogue, whose group watches them
@kept_blocks("catalog")  # a signed-in reader: his header around the blocks kept for everyone
def home():
    """The home page: the blocks the domains add (catalogue: categories, featured products, county
    specialties; shops: the newest shops), see marketplace.domains.add_blocks."""
    return render_page("core/home.html", **page_blocks(current_app, "home"))


@bp.get("/media/public/<path:key>")
def media(key: str):
    """Public media (product photos, logos) from the storage. Content-hashed names: cached for a year.
    A size still being made is answered with the original, not cached (a page cached before the
    job ran may link it)."""
    if ".." in key:
        abort(404)
    asked = f"public/{key}"
    served = resolve(asked)
    return send(served, mimetype="image/webp", public=served == asked)
