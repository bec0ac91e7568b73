"""Traceability (追溯): production batches of a variant, their 承诺达标合格证 certificates and the public
trace pages, the allocation of shipped order lines to batches, and repacked (child) batches.

Built on catalog (variants, the one stock module, the publish-guard registry) and orders (the
order-status signal tells it when an order leaves the shop); neither imports it.
"""

from flask import Blueprint, Flask

bp = Blueprint("trace", __name__)


def _regulator(user) -> bool:
    from marketplace.accounts.models import Role

    # platform-wide or for a region (an admin reaches the pages too, from his own menu)
    return any(grant.role == Role.FOOD_SAFETY_REGULATOR for grant in user.roles)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from catalog.services import register_publish_guard, register_stock_guard
    from marketplace.domains import NavItem, add_blocks, add_panel, register
    from orders import line_stock
    from orders.status import order_status_changed
    from trace import allocation, blocks, guard, recall_notify, returns, status

    app.config.setdefault("TRACE_FILE_MAX_BYTES", 8 * 1024 * 1024)  # a test report (image or PDF)
    app.config.setdefault("TRACE_PDF_MAX_PAGES", 30)
    app.jinja_env.globals.update(batch_status=status.status_label, batch_source=status.source_label,
                                 batch_test_kind=status.test_kind_label, batch_badges=status.STATUS_BADGES,
                                 trace_region=status.region_label)
    register(app, "trace", blueprint=bp,
             routes=("views.merchant", "views.shipping", "views.public", "api", "views.recalls", "views.regulator"),
             models=("models", "recall_models"), seed="trace.seed:seed_demo", nav=(
                 NavItem("trace.merchant_batches", _l("批次与合格证"), menu="merchant", order=43),
                 NavItem("trace.regulator_home", _l("食品安全监管"), menu="user", order=62, visible=_regulator)))
    recall_notify.register(app)  # the recall notices (buyers, shops)
    register_publish_guard("trace", guard.publish_guard)
    register_stock_guard("trace", guard.stock_guard)  # batch-tracked stock changes only through batches
    # units of handed-over lines coming back (refund, after-sale, weighing) or leaving (weighing) move their batch
    for hooks, hook in ((line_stock.PUT_BACK, returns.put_back), (line_stock.TAKE, returns.take_more)):
        if hook not in hooks:
            hooks.append(hook)
    # the goods leave the shop: allocate the order's lines to batches (a refusal rolls the move back)
    order_status_changed.connect(allocation.on_order_status, app, weak=False)
    add_blocks(app, "merchant_order", blocks.merchant_order_block)
    add_panel(app, "merchant_actions", blocks.merchant_actions)
