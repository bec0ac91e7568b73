"""WeChat Pay inside WeChat (JSAPI) through the real wechatpayv3 SDK and WeChat's web authorisation,
both against the local fake: the pay page's WeChat Pay button in WeChat's browser goes through the
silent authorisation (a code exchanged for the openid), the JSAPI trade is made for that openid and
its parameters signed for WeixinJSBridge (verified here with the merchant's public key), and the
notification pays the orders once. A forged state, a reused code and a browser outside WeChat change
nothing."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from marketplace.extensions import db
from orders.models import OrderStatus
from payments.models import Payment, PaymentStatus
from tests.payments.fake_wechatpay import APPID

#: The app pays through the WeChat Pay fake (tests/payments/conftest.py); Stripe is off.
WECHAT_PAY = True


@pytest.fixture
def stripe_keys():
    return False


WECHAT_UA = ("Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 "
             "Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20240404 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64")


def _through_wechat(client, location: str) -> str:
    """Follow the redirect to WeChat's authorise page (the fake) and back to us: our return URL."""
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def test_jsapi_in_wechat_pays_once(make_group, login, client, wechat):
    group = make_group()
    login(group.buyer)
    page = client.get(f"/payments/group/{group.id}", headers={"User-Agent": WECHAT_UA}).get_data(as_text=True)
    start = f"/payments/group/{group.id}/wechat/start"
    assert f'href="{start}"' in page
    outside = client.get(f"/payments/group/{group.id}").get_data(as_text=True)
    assert f'href="{start}"' not in outside and 'id="pay-wechat_pay"' in outside  # a computer: the QR code

    r = client.get(start)
    assert r.status_code == 302 and r.headers["Location"].startswith(wechat.url + "/connect/oauth2/authorize?")
    query = parse_qs(urlsplit(r.headers["Location"]).query)
    assert query["appid"] == [APPID] and query["scope"] == ["snsapi_base"]
    back = _through_wechat(client, r.headers["Location"])
    r = client.get(back)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/payments/group/{group.id}/wechat/jsapi")
    assert client.get(back).status_code == 302  # the code works once: refused by WeChat, no openid change

    html = client.get(f"/payments/group/{group.id}/wechat/jsapi").get_data(as_text=True)
    params = json.loads(re.search(r'data-params="([^"]+)"', html).group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert params["appId"] == APPID and params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    message = "\n".join([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]) + "\n"
    wechat.merchant_key.public_key().verify(base64.b64decode(params["paySign"]), message.encode(),
                                            padding.PKCS1v15(), hashes.SHA256())  # raises when the signature is wrong
    payment = db.session.scalar(sa.select(Payment).where(Payment.group_id == group.id))
    assert payment.idempotency_key.startswith("wj") and wechat.trades[payment.idempotency_key]["trade_type"] == "JSAPI"
    client.get(f"/payments/group/{group.id}/wechat/jsapi")  # a reload: the same trade
    assert db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.group_id == group.id)) == 1

    headers, body = wechat.pay(payment.idempotency_key)
    for _ in range(2):
        assert client.post("/payments/wechatpay/notify", data=body.encode(),
                           headers={**headers, "Content-Type": "application/json"}).status_code == 204
    db.session.expire_all()
    assert payment.status == PaymentStatus.SUCCEEDED and all(o.status == OrderStatus.PAID for o in group.orders)
    result = client.get(f"/payments/group/{group.id}/wechat/jsapi/{payment.id}").get_data(as_text=True)
    assert 'data-state="paid"' in result and "pay-qr" not in result


def test_forged_state_foreign_group_and_refused_code(make_group, make_user, login, client, wechat):
    group = make_group()
    login(group.buyer)
    assert client.get("/payments/wechat/oauth?code=abc&state=forged").status_code == 400
    r = client.get(f"/payments/group/{group.id}/wechat/start")
    state = parse_qs(urlsplit(r.headers["Location"]).query)["state"][0]
    r = client.get(f"/payments/wechat/oauth?code=never-issued&state={state}")  # WeChat refuses the code
    assert r.status_code == 302
    assert client.get(f"/payments/group/{group.id}/wechat/jsapi").status_code == 302  # no openid: back to paying
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0
    client.post("/account/logout")
    login(make_user())
    assert client.get(f"/payments/group/{group.id}/wechat/start").status_code == 404
    assert client.get(f"/payments/wechat/oauth?code=x&state={state}").status_code == 400  # another user's state
