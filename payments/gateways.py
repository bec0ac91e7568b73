"""Payment gateways behind one registry: another provider is one more entry, orders never change.

A gateway says whether it is configured, whether a shop accepts it for an order, and how it is
presented. Online gateways (Stripe, WeChat Pay, Alipay) pay what is due of an order group at once
and are offered only when their keys are configured; offline ones (对公转账, 货到付款 / 到店自提付款)
are chosen per order, as each shop's settings allow. The verbs live in payments.services (online)
and payments.offline.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from payments.models import PaymentMethod, ShopPaymentSettings

WECHATPAY_REQUIRED = ("WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_APIV3_KEY", "WECHATPAY_CERT_SERIAL",
                      "WECHATPAY_PRIVATE_KEY_PATH")
ALIPAY_REQUIRED = ("ALIPAY_APPID", "ALIPAY_PRIVATE_KEY_PATH", "ALIPAY_PUBLIC_KEY_PATH")


@dataclass(frozen=True)
class Gateway:
    name: str
    label: object
    #: True: the buyer pays each shop directly and the merchant confirms receipt.
    offline: bool

    def configured(self) -> bool:
        """Whether the platform can take this way of paying at all (its keys are set)."""
        return True

    def accepts(self, order, settings) -> bool:  # noqa: ARG002 - online gateways take every order
        """Whether the order's shop (``settings``: its ShopPaymentSettings or None) accepts it."""
        return True

    def label_for(self, order) -> str:  # noqa: ARG002 - one label unless a gateway says otherwise
        return str(self.label)

    def available(self, group, settings_by_shop: dict) -> bool:
        """Whether every order of the group can be paid this way."""
        return self.configured() and all(self.accepts(o, settings_by_shop.get(o.shop_id)) for o in group.orders)


class StripeGateway(Gateway):
    def configured(self) -> bool:
        from payments import stripe_api

        return stripe_api.enabled()


class WeChatPayGateway(Gateway):
    def configured(self) -> bool:
        cfg = current_app.config
        # The platform's public key (and its id) or its certificates verify WeChat Pay's answers.
        verifier = (cfg.get("WECHATPAY_PUBLIC_KEY_PATH") and cfg.get("WECHATPAY_PUBLIC_KEY_ID")) or cfg.get(
            "WECHATPAY_CERT_DIR")
        return config_ready(*WECHATPAY_REQUIRED) and bool(verifier)


class AlipayGateway(Gateway):
    def configured(self) -> bool:
        return config_ready(*ALIPAY_REQUIRED)


class BankTransferGateway(Gateway):
    def accepts(self, order, settings) -> bool:
        return settings is not None and settings.accepts_bank_transfer and bool(settings.account_number)


class HandoverGateway(Gateway):
    """货到付款 (cash or a scan at the door) and 到店自提付款: the money changes hands with the goods."""

    def accepts(self, order, settings) -> bool:
        # A shop without settings accepts payment at handover (the default).
        return settings is None or settings.accepts_cash

    def label_for(self, order) -> str:
        return str(_l("到店自提付款") if order.fulfilment.value == "pickup" else _l("货到付款（现金或扫码）"))


GATEWAYS: dict[str, Gateway] = {}


def register(gateway: Gateway) -> None:
    GATEWAYS[gateway.name] = gateway


register(WeChatPayGateway(PaymentMethod.WECHAT_PAY.value, _l("微信支付"), offline=False))
register(AlipayGateway(PaymentMethod.ALIPAY.value, _l("支付宝"), offline=False))
register(StripeGateway(PaymentMethod.STRIPE.value, _l("银行卡在线支付"), offline=False))
register(BankTransferGateway(PaymentMethod.BANK_TRANSFER.value, _l("对公转账"), offline=True))
register(HandoverGateway(PaymentMethod.CASH.value, _l("货到付款 / 到店自提付款"), offline=True))


def get(name: str) -> Gateway | None:
    return GATEWAYS.get(name)


def available_for(group, settings_by_shop: dict) -> list[Gateway]:
    return [g for g in GATEWAYS.values() if g.available(group, settings_by_shop)]


def online() -> list[Gateway]:
    """The online gateways configured now, in the order they are offered."""
    return [g for g in GATEWAYS.values() if not g.offline and g.configured()]


def offline_for(order, settings) -> list[Gateway]:
    """The offline ways the order's shop accepts for it."""
    return [g for g in GATEWAYS.values() if g.offline and g.accepts(order, settings)]


def settings_by_shop(shop_ids) -> dict[int, ShopPaymentSettings]:
    """Each shop's payment settings (which offline methods it accepts), by shop id."""
    rows = db.session.scalars(sa.select(ShopPaymentSettings).where(ShopPaymentSettings.shop_id.in_(list(shop_ids))))
    return {row.shop_id: row for row in rows}


def config_ready(*names: str) -> bool:
    """Every named setting is present (a payment method is offered only when configured)."""
    return all(current_app.config.get(name) for name in names)
