"""Read-side input shared by the HTML library and the JSON API: the library query from the request."""

from __future__ import annotations

from flask import request

from investment.models import CoopMode
from investment.search import LibraryQuery
from investment.vocab import BRACKETS, sector_codes
from marketplace.web import enum_arg, page_arg


def library_query() -> LibraryQuery:
    """Read the library's query string; unknown values are ignored rather than failing."""
    args = request.args
    sector = args.get("sector", "")
    mode = enum_arg(CoopMode, "mode")
    bracket = args.get("bracket", "")
    sort = args.get("sort", "")
    county = args.get("county", "")[:20]
    return LibraryQuery(
        text=args.get("q", "")[:100],
        sector=sector if sector in sector_codes() else "",
        county=county if county.isdigit() else "",
        bracket=bracket if bracket in {b[0] for b in BRACKETS} else "",
        mode=mode.value if mode else "",
        land=args.get("land") in ("1", "on", "true"),
        sort=sort if sort in ("newest", "size", "relevance") else ("relevance" if args.get("q") else "newest"),
        page=page_arg(),
    )
