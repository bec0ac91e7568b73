"""Orders: cart, multi-shop checkout, orders and their status machine, fulfilment."""

from flask import Blueprint, Flask

bp = Blueprint("orders", __name__)


def _unit_on_order_lines(code: str) -> bool:
    """An order line names the unit (its snapshot): the unit table keeps it, to name and weigh it."""
    import sqlalchemy as sa

    from marketplace.extensions import db
    from orders.models import OrderLine

    return db.session.scalar(sa.select(OrderLine.id).where(OrderLine.unit == code).limit(1)) is not None


def init_app(app: Flask) -> None:
    """Config defaults, the visitor-cart cookie, the cart merge at login, template helpers."""
    from flask import current_app
    from flask_login import user_logged_in

    from orders import cart, delivery, figures, jobs, notice_types, privacy, status, terms_privacy

    app.config.setdefault("ORDER_PAYMENT_TIMEOUT_MINUTES", 30)
    app.config.setdefault("ORDER_AUTO_COMPLETE_DAYS", 7)
    app.config.setdefault("ORDER_LAZY_EXPIRY", True)
    #: ± tolerance of lines sold by weight (多退少补) for shops that set none, in basis points.
    app.config.setdefault("ORDER_WEIGH_TOLERANCE_BP", 500)
    app.config.setdefault("INVOICE_PDF_MAX_BYTES", 5 * 1024 * 1024)
    app.after_request(cart.write_cart_cookie)
    jobs.register(app)
    notice_types.register(app)  # the order notices in the notification centre
    privacy.register(app)
    terms_privacy.register(app)
    figures.register(app)  # the dashboards' order panels

    from orders import conversations

    conversations.register(app)  # orders as conversation subjects (messages)

    def _merge(sender, user, **extra):
        cart.merge_visitor_cart(user)

    user_logged_in.connect(_merge, app, weak=False)

    from catalog.units import register_usage

    register_usage("order_lines", _unit_on_order_lines)

    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, register

    register(app, "orders", blueprint=bp, routes=("views.buyer", "views.merchant", "views.delivery", "views.admin",
                                                  "views.terms", "api", "merchant_api", "terms_api"),
             models=("models", "terms_models"), cli=("cli",), seed="orders.seed:seed_demo_delivery", nav=(
                 NavItem("orders.cart", _l("采购车"), order=50),
                 NavItem("orders.my_orders", _l("我的订单"), menu="user", order=10),
                 NavItem("orders.merchant_orders", _l("订单管理"), menu="merchant", order=30),
                 NavItem("orders.merchant_delivery", _l("配送与自提设置"), menu="merchant", order=40),
                 NavItem("orders.merchant_terms", _l("称重结算设置"), menu="merchant", order=41),
                 NavItem("orders.invoice_titles", _l("发票抬头"), menu="user", order=30)))

    # Globals (not a context processor): imported macros and e-mail templates see them too.
    app.jinja_env.globals.update(
        order_status_label=status.status_label,
        order_status_badge=lambda s: status.STATUS_BADGES.get(s, ""),
        fulfilment_label=delivery.fulfilment_label,
        zone_label=delivery.zone_label,
        zones_text=delivery.zones_text,
        region_chain_ids=delivery.region_chain_ids,
        payment_minutes=lambda: current_app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"],
        shop_sees_contact=privacy.shop_sees_contact,
    )
