"""Alipay (open platform, RSA2) through python-alipay-sdk, configured from the app.

QR (alipay.trade.precreate: a code the buyer scans) for every browser, the page payment
(alipay.trade.page.pay) as a signed redirect. Every synchronous answer is verified by the SDK with
Alipay's public key; an asynchronous notification is verified here with the same SDK before any of
its fields is read. Alipay writes amounts in yuan ("12.30"); we keep fen.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import current_app

from payments import gateways
from payments.gateways import ALIPAY_REQUIRED as REQUIRED
from payments.models import PaymentMethod
from payments.trades import Trade


class AlipayError(RuntimeError):
    """Alipay refused a call (status 400), or could not be reached or answered unverifiably (0)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"alipay {status}: {message[:300]}")
        self.status = status


def enabled() -> bool:
    return gateways.get(PaymentMethod.ALIPAY.value).configured()


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def client():
    from alipay import AliPay, AliPayConfig

    cfg = current_app.config
    key = tuple(cfg.get(name) for name in (*REQUIRED, "ALIPAY_GATEWAY_URL"))
    cache = current_app.extensions.setdefault("payments_alipay", {})
    if key not in cache:
        sdk = AliPay(appid=cfg["ALIPAY_APPID"], app_private_key_string=_read(cfg["ALIPAY_PRIVATE_KEY_PATH"]),
                     alipay_public_key_string=_read(cfg["ALIPAY_PUBLIC_KEY_PATH"]), sign_type="RSA2",
                     config=AliPayConfig(timeout=20))
        if cfg.get("ALIPAY_GATEWAY_URL"):
            sdk._gateway = cfg["ALIPAY_GATEWAY_URL"]  # noqa: SLF001 - the SDK knows only Alipay's two
        cache[key] = sdk
    return cache[key]


def yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def fen(text) -> int | None:
    """"12.30" -> 1230; anything else (more than two decimals, junk) -> None."""
    try:
        value = Decimal(str(text)) * 100
    except (InvalidOperation, ValueError):
        return None
    return int(value) if value == value.to_integral_value() and value >= 0 else None


def _call(method: str, **kwargs) -> dict:
    from alipay.exceptions import AliPayException, AliPayValidationError

    try:
        answer = getattr(client(), method)(**kwargs)
    except AliPayException as exc:
        raise AlipayError(400, str(exc)) from exc
    except (AliPayValidationError, OSError, ValueError) as exc:  # urllib's errors are OSErrors
        raise AlipayError(0, f"{type(exc).__name__}: {exc}") from exc
    if str(answer.get("code")) != "10000":
        raise AlipayError(400, f"{answer.get('sub_code') or answer.get('code')}: {answer.get('sub_msg') or ''}")
    return answer


def create(out_trade_no: str, amount: int, description: str, notify_url: str) -> str:
    """A QR trade (alipay.trade.precreate): the qr_code the buyer scans with Alipay."""
    answer = _call("api_alipay_trade_precreate", subject=description[:128], out_trade_no=out_trade_no,
                   total_amount=yuan(amount), notify_url=notify_url)
    return str(answer["qr_code"])


def page_url(out_trade_no: str, amount: int, description: str, notify_url: str, return_url: str) -> str:
    """The signed address of Alipay's cashier page for the same trade (a computer's browser)."""
    query = client().api_alipay_trade_page_pay(subject=description[:128], out_trade_no=out_trade_no,
                                               total_amount=yuan(amount), return_url=return_url,
                                               notify_url=notify_url)
    return f"{client()._gateway}?{query}"  # noqa: SLF001


_STATES = {"TRADE_SUCCESS": "paid", "TRADE_FINISHED": "paid", "TRADE_CLOSED": "closed"}


def as_trade(data: dict) -> Trade:
    return Trade(out_trade_no=str(data.get("out_trade_no") or ""), state=_STATES.get(data.get("trade_status"), "open"),
                 transaction_id=str(data["trade_no"]) if data.get("trade_no") else None,
                 amount=fen(data.get("total_amount")))


def trade(out_trade_no: str) -> Trade:
    try:
        return as_trade(_call("api_alipay_trade_query", out_trade_no=out_trade_no))
    except AlipayError as exc:
        if "TRADE_NOT_EXIST" in str(exc):  # not scanned yet: Alipay knows a precreated trade only then
            return Trade(out_trade_no=out_trade_no, state="open")
        raise


def close(out_trade_no: str) -> None:
    _call("api_alipay_trade_close", out_trade_no=out_trade_no)


def refund(out_refund_no: str, out_trade_no: str, amount: int, total: int, reason: str = "") -> bool:  # noqa: ARG001
    answer = _call("api_alipay_trade_refund", refund_amount=yuan(amount), out_trade_no=out_trade_no,
                   out_request_no=out_refund_no, refund_reason=reason[:80])
    return answer.get("fund_change") in ("Y", "N")  # N: refunded before under the same out_request_no


def verify_notification(form) -> dict | None:
    """The notification's fields when Alipay's signature holds and it is for our app, else None."""
    data = dict(form.items())
    signature = data.pop("sign", None)
    if not signature or data.get("app_id") != current_app.config["ALIPAY_APPID"]:
        return None
    try:
        ok = client().verify(dict(data), signature)
    except Exception:  # noqa: BLE001 - the SDK raises on a bad base64 or an unknown sign type
        return None
    return data if ok else None
