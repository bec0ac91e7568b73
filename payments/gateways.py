"""Payment gateways behind one registry: another provider is one more entry, orders never change.

A gateway says whether it can pay an order group and how it is presented; the verbs (Stripe and
offline) live in payments.services.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from payments.models import PaymentMethod


@dataclass(frozen=True)
class Gateway(ABC):
    name: str
    label: object
    #: True: the buyer pays each shop directly and the merchant confirms receipt.
    offline: bool

    @abstractmethod
    def available(self, group, settings_by_shop: dict) -> bool:
        """Whether every shop of the order group accepts this way of paying."""


class StripeGateway(Gateway):
    def available(self, group, settings_by_shop) -> bool:
        from payments import stripe_api

        return stripe_api.enabled()


class BankTransferGateway(Gateway):
    def available(self, group, settings_by_shop) -> bool:
        return all(s is not None and s.accepts_bank_transfer and s.account_number
                   for s in (settings_by_shop.get(o.shop_id) for o in group.orders))


class CashGateway(Gateway):
    def available(self, group, settings_by_shop) -> bool:
        # A shop without settings accepts cash at pickup / on delivery (the default).
        return all(s is None or s.accepts_cash for s in (settings_by_shop.get(o.shop_id) for o in group.orders))


GATEWAYS: dict[str, Gateway] = {}


def register(gateway: Gateway) -> None:
    GATEWAYS[gateway.name] = gateway


register(StripeGateway(PaymentMethod.STRIPE.value, _l("银行卡在线支付"), offline=False))
register(BankTransferGateway(PaymentMethod.BANK_TRANSFER.value, _l("银行转账"), offline=True))
register(CashGateway(PaymentMethod.CASH.value, _l("到店自提或送货时付款"), offline=True))


def get(name: str) -> Gateway | None:
    return GATEWAYS.get(name)


def available_for(group, settings_by_shop: dict) -> list[Gateway]:
    return [g for g in GATEWAYS.values() if g.available(group, settings_by_shop)]
