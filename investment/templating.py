"""Template helpers of the investment domain: labels, units and the policy checks templates need."""

from __future__ import annotations

from flask import Flask, request, url_for

from investment import policy, vocab


def library_url(**changes) -> str:
    """The library URL with the current query string changed; empty values dropped, page reset."""
    args = request.args.to_dict()
    args.pop("page", None)
    args.update(changes)
    return url_for("investment.library", **{k: v for k, v in args.items() if v not in (None, "", False)})


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["wan"] = vocab.wan
    app.jinja_env.filters["mu"] = vocab.mu

    @app.context_processor
    def _invest():
        if not request or request.blueprint != "investment":
            return {}
        return {"iv": vocab, "ipolicy": policy, "library_url": library_url}
