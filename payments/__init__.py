"""Payments: gateways (Stripe, offline), webhooks, refunds, payouts and the ledger."""

from flask import Blueprint, Flask

bp = Blueprint("payments", __name__)


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from orders.status import HANDOVER_CHECKS, RESTOCKED, order_status_changed
    from orders.weighing import line_weighed
    from payments import figures, hooks, offline, privacy, refunds, weighed

    app.config.setdefault("PAYMENT_OFFLINE_HOLD_HOURS", 72)
    order_status_changed.connect(hooks.on_status_signal, app, weak=False)
    line_weighed.connect(weighed.on_line_weighed, app, weak=False)
    hooks.register_jobs(app)
    if offline.pays_at_handover not in HANDOVER_CHECKS:
        HANDOVER_CHECKS.append(offline.pays_at_handover)
    if refunds.restocked_quantities not in RESTOCKED:
        RESTOCKED.append(refunds.restocked_quantities)
    privacy.register(app)
    from payments import notice_types

    notice_types.register(app)  # refunds and statements in the notification centre
    figures.register(app)  # refunds taken off the sales figures, offline payments waiting
    from marketplace.domains import NavItem, add_blocks, register
    from payments.status import dispute_label, label

    app.jinja_env.globals["payment_label"] = label
    app.jinja_env.globals["dispute_label"] = dispute_label

    register(app, "payments", blueprint=bp, routes=("views.buyer", "views.offline", "views.merchant", "views.admin",
                                                    "views.webhooks", "views.online", "merchant_api", "views.credit",
                                                    "credit_api", "views.jsapi"),
             models=("models",), cli=("cli",), seed="payments.seed:seed_demo", nav=(
                 NavItem("payments.merchant_balance", _l("收款与结算"), menu="merchant", order=50),
                 NavItem("payments.merchant_settings", _l("收款方式"), menu="merchant", order=60),
                 NavItem("payments.merchant_credit", _l("月结客户"), menu="merchant", order=55),
                 NavItem("payments.business_profile", _l("企业信息与授信"), menu="user", order=35),
                 NavItem("payments.my_statements", _l("月结单"), menu="user", order=36)))
    from payments.views.offline import payment_panel

    add_blocks(app, "merchant_order", payment_panel)
    add_blocks(app, "buyer_order", payment_panel)
    add_blocks(app, "admin_order", payment_panel)
    app.config.setdefault("PAYMENT_SLIP_MAX_BYTES", 10 * 1024 * 1024)
