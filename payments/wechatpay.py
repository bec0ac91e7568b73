"""WeChat Pay API v3 through the wechatpayv3 SDK, configured from the app.

Native (a QR code from ``code_url``) for browsers; JSAPI (inside WeChat, with the payer's openid)
through the same trade. Every answer of WeChat Pay and every notification is verified by the SDK
with the platform's public key (or its downloaded certificates); notifications are decrypted with
the APIv3 key. Amounts are fen, as ours.
"""

from __future__ import annotations

import json
import time

from flask import current_app

from payments import gateways
from payments.gateways import WECHATPAY_REQUIRED as REQUIRED
from payments.models import PaymentMethod
from payments.trades import Trade

#: A notification older than this (its signed timestamp) is a replay and refused.
MAX_AGE_SECONDS = 300


class WeChatPayError(RuntimeError):
    """WeChat Pay refused a call or could not be reached (the message is for the log, not the user)."""

    def __init__(self, status: int, body):
        super().__init__(f"wechatpay {status}: {str(body)[:300]}")
        self.status = status
        self.body = body


def enabled() -> bool:
    return gateways.get(PaymentMethod.WECHAT_PAY.value).configured()


def _read(path: str | None) -> str | None:
    if not path:
        return None
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def client():
    """The SDK's WeChatPay object (one per process and configuration)."""
    from wechatpayv3 import WeChatPay, WeChatPayType

    cfg = current_app.config
    key = tuple(cfg.get(name) for name in (*REQUIRED, "WECHATPAY_PUBLIC_KEY_PATH", "WECHATPAY_PUBLIC_KEY_ID",
                                           "WECHATPAY_CERT_DIR", "WECHATPAY_API_BASE"))
    cache = current_app.extensions.setdefault("payments_wechatpay", {})
    if key not in cache:
        public_key = _read(cfg.get("WECHATPAY_PUBLIC_KEY_PATH")) if cfg.get("WECHATPAY_PUBLIC_KEY_ID") else None
        wxpay = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=cfg["WECHATPAY_MCHID"],
                          private_key=_read(cfg["WECHATPAY_PRIVATE_KEY_PATH"]),
                          cert_serial_no=cfg["WECHATPAY_CERT_SERIAL"], appid=cfg["WECHATPAY_APPID"],
                          apiv3_key=cfg["WECHATPAY_APIV3_KEY"], cert_dir=cfg.get("WECHATPAY_CERT_DIR"),
                          public_key=public_key, public_key_id=cfg.get("WECHATPAY_PUBLIC_KEY_ID") if public_key else None,
                          timeout=(5, 20))
        if cfg.get("WECHATPAY_API_BASE"):
            # The SDK has no setting for its address; tests and sandboxes point it at their server.
            wxpay._core._gate_way = cfg["WECHATPAY_API_BASE"].rstrip("/")  # noqa: SLF001
        cache[key] = wxpay
    return cache[key]


def _call(method: str, **kwargs) -> dict:
    """One SDK call: its JSON answer, or WeChatPayError (refused, unreachable, or an answer whose
    signature does not verify: the SDK raises a bare Exception for that)."""
    try:
        code, body = getattr(client(), method)(**kwargs)
    except Exception as exc:  # noqa: BLE001 - requests' errors and the SDK's bare Exception alike
        raise WeChatPayError(0, f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= code < 300:
        raise WeChatPayError(code, body)
    return json.loads(body) if body else {}


def create(out_trade_no: str, amount: int, description: str, notify_url: str) -> str:
    return native(out_trade_no, amount, description, notify_url)


#: WeChat Pay's trade_state in our three words (USERPAYING, NOTPAY: still open).
_STATES = {"SUCCESS": "paid", "REFUND": "paid", "CLOSED": "closed", "REVOKED": "closed", "PAYERROR": "closed"}


def as_trade(data: dict) -> Trade:
    """A trade (query answer or a notification's decrypted resource) in the shape settle_trade reads."""
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    total = amount.get("total")  # the trade's amount (payer_total is less by any WeChat coupon)
    return Trade(out_trade_no=str(data.get("out_trade_no") or ""), state=_STATES.get(data.get("trade_state"), "open"),
                 transaction_id=str(data["transaction_id"]) if data.get("transaction_id") else None,
                 amount=total if isinstance(total, int) and not isinstance(total, bool) else None)


def trade(out_trade_no: str) -> Trade:
    return as_trade(query(out_trade_no))


def native(out_trade_no: str, amount: int, description: str, notify_url: str) -> str:
    """Create (or find again: WeChat Pay answers the same out_trade_no with its code) a Native trade;
    its code_url, shown to the buyer as a QR code."""
    from wechatpayv3 import WeChatPayType

    data = _call("pay", description=description[:127], out_trade_no=out_trade_no,
                 amount={"total": amount, "currency": "CNY"}, notify_url=notify_url, pay_type=WeChatPayType.NATIVE)
    return str(data["code_url"])


def jsapi(out_trade_no: str, amount: int, description: str, notify_url: str, openid: str) -> str:
    """Create (or find again) a JSAPI trade (inside WeChat, for the payer's openid); its
    ``prepay_id=...`` package, which jsapi_params() signs for the page."""
    from wechatpayv3 import WeChatPayType

    data = _call("pay", description=description[:127], out_trade_no=out_trade_no,
                 amount={"total": amount, "currency": "CNY"}, notify_url=notify_url, payer={"openid": openid},
                 pay_type=WeChatPayType.JSAPI)
    return f"prepay_id={data['prepay_id']}"


def jsapi_params(package: str) -> dict:
    """The signed parameters of ``WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`` for a JSAPI
    trade's package (signed afresh on every page: a timestamp and a nonce of their own)."""
    appid, stamp, nonce = current_app.config["WECHATPAY_APPID"], str(int(time.time())), os_nonce()
    return {"appId": appid, "timeStamp": stamp, "nonceStr": nonce, "package": package, "signType": "RSA",
            "paySign": client().sign([appid, stamp, nonce, package])}


def os_nonce() -> str:
    import secrets

    return secrets.token_hex(16)


def query(out_trade_no: str) -> dict:
    """The trade as WeChat Pay has it: trade_state, transaction_id, amount.total ..."""
    return _call("query", out_trade_no=out_trade_no)


def close(out_trade_no: str) -> None:
    _call("close", out_trade_no=out_trade_no)


def refund(out_refund_no: str, out_trade_no: str, amount: int, total: int, reason: str = "") -> bool:
    """True when WeChat Pay took the refund (SUCCESS, or PROCESSING: it completes on its own)."""
    data = _call("refund", out_refund_no=out_refund_no, out_trade_no=out_trade_no,
                 amount={"refund": amount, "total": total, "currency": "CNY"}, reason=reason[:80] or None)
    return data.get("status") in ("SUCCESS", "PROCESSING")


def verify_notification(headers, body: bytes) -> dict | None:
    """The notification with its decrypted ``resource``, or None when the signature, the key or the
    timestamp does not hold (forged, altered or replayed late). Never raises for bad input."""
    try:
        stamp = int(headers.get("Wechatpay-Timestamp", ""))
    except ValueError:
        return None
    if abs(time.time() - stamp) > MAX_AGE_SECONDS:
        return None
    try:
        data = client().callback(dict(headers), body)
    except Exception:  # noqa: BLE001 - the SDK raises bare Exception for unknown algorithms and bad input
        return None
    return data if isinstance(data, dict) else None
