"""What reviews put on other domains' pages (marketplace.domains.add_blocks): the product page's and
the shop page's averages and latest reviews, and a 评价 link per line on the buyer's order page."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from reviews import queries, services


def product_block(product) -> dict:
    return queries.block("product", product)


def shop_block(shop) -> dict:
    return queries.block("shop", shop)


def buyer_order_block(order) -> dict:
    """A 评价 button for each line not yet reviewed while the window is open; 已评价 (linking to the
    review) for the reviewed ones. Before delivery there are none (one statement after it)."""
    if services.window_ends(order) is None:
        return {}
    reviewed = queries.reviewed_lines(line.id for line in order.lines)
    open_ = services.refusal(order) is None
    links = {}
    for line in order.lines:
        if line.id in reviewed:
            target = (url_for("reviews.product_reviews", product_id=line.product_id) if line.product_id
                      else url_for("reviews.review_line", order_id=order.id, line_id=line.id))
            links[line.id] = (_("已评价"), f"{target}#review-{reviewed[line.id]}", "review-done")
        elif open_:
            links[line.id] = (_("评价"), url_for("reviews.review_line", order_id=order.id, line_id=line.id),
                              "button small review-line")
    return {"line_links": links}
