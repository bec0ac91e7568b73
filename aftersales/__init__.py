"""After-sales (售后): refund and return requests on paid orders, the shop's answer, the platform's
arbitration. Built on orders and payments (a request ends in a refund), so it sits above both."""

from flask import Blueprint, Flask

bp = Blueprint("aftersales", __name__)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from aftersales import notice_types, services, status
    from aftersales.views.panel import order_panel
    from marketplace.domains import NavItem, add_blocks, add_panel, register
    from orders.status import RESTOCKED

    app.config.setdefault("AFTERSALES_WINDOW_DAYS", 7)
    app.config.setdefault("AFTERSALES_MAX_PHOTOS", 6)
    app.config.setdefault("AFTERSALES_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
    app.jinja_env.globals.update(after_sale_status=status.status_label, after_sale_kind=status.kind_label,
                                 after_sale_reason=status.reason_label, after_sale_shipping=status.shipping_label,
                                 after_sale_badges=status.STATUS_BADGES)
    register(app, "aftersales", blueprint=bp, routes=("views.buyer", "views.merchant", "views.admin", "api"),
             models=("models",), seed="aftersales.seed:seed_demo", nav=(
                 NavItem("aftersales.merchant_list", _l("售后处理"), menu="merchant", order=45),
                 NavItem("aftersales.my_requests", _l("我的售后"), menu="user", order=31)))
    notice_types.register(app)  # the steps in the notification centre
    if services.credit_restocks not in RESTOCKED:
        RESTOCKED.append(services.credit_restocks)
    from aftersales.policy import holds_payout
    from payments.payouts import PAYOUT_HOLDS

    if holds_payout not in PAYOUT_HOLDS:
        PAYOUT_HOLDS.append(holds_payout)
    from aftersales.figures import actions

    add_panel(app, "merchant_actions", actions)
    for page in ("buyer_order", "merchant_order", "admin_order"):
        add_blocks(app, page, order_panel(page))
