"""Home page and media serving."""

from __future__ import annotations

from flask import abort, current_app, render_template, send_file

from marketplace.core import bp
from marketplace.domains import page_blocks
from marketplace.media import get_storage
from marketplace.page_cache import cached_page


@bp.get("/")
@cached_page("catalog")  # the home blocks come from the catalogue, whose group watches them
def home():
    """The home page: the blocks the domains add (catalogue: categories, featured products, county
    specialties; shops: the newest shops), see marketplace.domains.add_blocks."""
    return render_template("core/home.html", **page_blocks(current_app, "home"))


@bp.get("/media/public/<path:key>")
def media(key: str):
    """Public media (product photos, logos). Content-hashed names: cached for a year."""
    storage = get_storage()
    full = f"public/{key}"
    if ".." in key or not storage.exists(full):
        abort(404)
    response = send_file(storage.local_path(full), mimetype="image/webp", max_age=31536000, conditional=True)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
