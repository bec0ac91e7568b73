"""Search: named indexes over the database's objects, Chinese / pinyin / initials matching, two engines.

The public API (re-exported here)::

    register_index(IndexSpec(...))      declare an index (a domain's init_app: products, projects)
    extend_index(name, IndexExtension(...))  a higher domain's fields in it (reviews: a product's rating)
    search(name, SearchQuery(...))      -> SearchResult(ids, total, facets, highlights, error, notice)
    notify_changed(name, obj_id)        re-index an object in the caller's transaction

Layout: ``spec`` (IndexSpec, SearchQuery, SearchResult, the registry), ``service`` (search,
notify_changed), ``analysis/`` (jieba, pinyin, initials, query parsing, highlighting; no engine),
``backend`` (the one Backend interface, SEARCH_BACKEND), ``tracking`` (session events that hand
changes to the backend), ``models`` (the change queue), ``cli`` (``flask search rebuild|check``),
and the engines: ``whoosh/`` (embedded, the default). Depends on ``marketplace`` only.
"""

from __future__ import annotations

from flask import Flask

from search.service import highlight_text, notify_changed, search
from search.spec import (
    CheckReport,
    IndexExtension,
    IndexSpec,
    SearchQuery,
    SearchResult,
    extend_index,
    get_spec,
    index_group,
    register_index,
    registered,
)


def init_app(app: Flask) -> None:
    """Choose the backend (SEARCH_BACKEND; a wrong one stops the app here), load jieba once, listen
    to session events, add the /healthz check and the CLI. Domains register their indexes after."""
    import threading

    from marketplace.config import env_flag
    from marketplace.domains import before_fork, register, when_installed
    from marketplace.health import register_check
    from search.admin_views import bp
    from search.analysis import init_jieba
    from search.backend import create_backend
    from search.tracking import install_events

    backend = create_backend(app)
    app.extensions["search"] = backend
    register(app, "search", blueprint=bp, models=("models", "synonyms"), cli=("cli",))
    register_check(app, "search", backend.health)
    install_events()
    init_jieba(app.config.get("DATA_DIR"))
    from search.analysis.vocabulary import load_char_table

    before_fork(app, load_char_table)  # the readings of pinyin as typed: ~16 MB, shared by the workers
    if app.config.get("SEARCH_WARM_UP", not app.testing and env_flag("MARKETPLACE_SEARCH_WARM_UP", True)):
        # once every domain has registered its indexes
        when_installed(app, lambda: threading.Thread(target=backend.warm_up, name="search-warm-up",
                                                     daemon=True).start())


__all__ = ["CheckReport", "IndexExtension", "IndexSpec", "extend_index", "SearchQuery", "SearchResult", "get_spec", "highlight_text", "index_group", "init_app",
           "notify_changed", "register_index", "registered", "search"]
