"""Who hears of what, in the step's own transaction (marketplace.notifications.dispatch.post): the
shop's owner, in his language, on the channels his preferences allow."""

from __future__ import annotations

from licences.models import LicenceStatus, ShopLicence
from marketplace.notifications.dispatch import post
from marketplace.shops.services import shop_owner
from marketplace.web import absolute_url


def _tell(licence: ShopLicence, key: str, sms: str, **params) -> None:
    owner = shop_owner(licence.shop)
    if owner is None or not owner.active:
        return
    post(owner, key, params={"licence": licence.licence_type.value, "number": licence.number, **params},
         link=absolute_url("licences.merchant_list") + f"#licence-{licence.id}", sms_template=sms)


def reviewed(licence: ShopLicence) -> None:
    event = LicenceStatus(licence.status).value
    _tell(licence, "licences.reviewed", f"licence_{event}", event=event, reason=licence.status_reason or "")


def expiring(licence: ShopLicence) -> None:
    _tell(licence, "licences.expiring", "licence_expiring", date=licence.expires_on.isoformat())


def lapsed(licence: ShopLicence, count: int) -> None:
    _tell(licence, "licences.lapsed", "licence_lapsed", date=licence.expires_on.isoformat(),
          count=count)
