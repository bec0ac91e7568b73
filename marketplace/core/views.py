"""Home page and media serving."""

from __future__ import annotations

from flask import abort, current_app, render_template, send_file

from marketplace.core import bp
from marketplace.media import get_storage
from marketplace.page_cache import cached_page


@bp.get("/")
@cached_page("catalog")  # the home blocks come from the catalogue, whose group watches them
def home():
    """The home page. The catalogue replaces the blocks as it grows (see catalog.services.home_blocks)."""
    blocks = {}
    # Each domain appends a callable returning a dict to "home_block_providers" (see shops.init_app).
    providers = current_app.extensions.get("home_block_providers")
    if providers:
        for provider in providers:
            blocks.update(provider())
    elif current_app.extensions.get("home_blocks"):
        blocks = current_app.extensions["home_blocks"]()
    return render_template("core/home.html", **blocks)


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
