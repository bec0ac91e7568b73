"""A small local HTTP fake of Alipay's open-platform gateway (``gateway.do``), answering in the shapes
of its published reference (opendocs.alipay.com): alipay.trade.precreate, .query, .close, .refund.
It makes its own keys at test time: the app's (every request's RSA2 signature is checked with it)
and Alipay's (every answer and notification is signed with it; the SDK verifies them).

``pay(out_trade_no)`` stands for the buyer scanning the QR code and paying: the trade succeeds and
the signed asynchronous notification (a form) is returned, and posted to notify_url with ``deliver``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.payments.fake_wechatpay import new_key, pem_private, pem_public, rsa_sign

APPID = "2021000117600001"


def signed_string(data: dict, leave_out=("sign", "sign_type")) -> str:
    """What is signed: requests sign every parameter but ``sign``; notifications leave out sign_type too."""
    return "&".join(f"{k}={v}" for k, v in sorted(data.items()) if k not in leave_out)


class FakeAlipay:
    def __init__(self, folder: Path):
        self.app_key, self.alipay_key = new_key(), new_key()
        folder.mkdir(parents=True, exist_ok=True)
        self.private_key_path = folder / "app_private_key.pem"
        self.private_key_path.write_bytes(pem_private(self.app_key))
        self.public_key_path = folder / "alipay_public_key.pem"
        self.public_key_path.write_bytes(pem_public(self.alipay_key))
        self.trades: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.unsigned = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                method = params.get("method", "")
                kind = method.replace(".", "_") + "_response"
                if not fake.verified(params) or params.get("app_id") != APPID:
                    fake.unsigned += 1
                    answer = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
                              "sub_msg": "验签出错"}
                else:
                    with fake._lock:
                        answer = fake.route(method, json.loads(params.get("biz_content") or "{}"), params)
                inner = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
                data = f'{{"{kind}":{inner},"sign":"{rsa_sign(fake.alipay_key, inner)}"}}'.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/gateway.do"

    def verified(self, params: dict) -> bool:
        try:
            self.app_key.public_key().verify(base64.b64decode(params.get("sign", "")), signed_string(params, ("sign",)).encode(),
                                             padding.PKCS1v15(), hashes.SHA256())
        except Exception:  # noqa: BLE001 - any failure is a refusal
            return False
        return True

    def route(self, method: str, biz: dict, params: dict) -> dict:
        ok = {"code": "10000", "msg": "Success"}
        no = biz.get("out_trade_no", "")
        trade = self.trades.get(no)
        if method == "alipay.trade.precreate":
            if trade is None:
                trade = self.trades[no] = {"out_trade_no": no, "total_amount": biz["total_amount"],
                                           "trade_status": "WAIT_BUYER_PAY", "notify_url": params.get("notify_url", ""),
                                           "qr_code": f"https://qr.alipay.com/bax{secrets.token_hex(10)}", "refunded": 0}
            elif trade["total_amount"] != biz["total_amount"]:
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.CONTEXT_INCONSISTENT",
                        "sub_msg": "交易信息被篡改"}
            return {**ok, "out_trade_no": no, "qr_code": trade["qr_code"]}
        if trade is None or (method == "alipay.trade.query" and not trade.get("scanned")):
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}
        if method == "alipay.trade.query":
            return {**ok, **self.public(trade)}
        if method == "alipay.trade.close":
            if trade["trade_status"] != "WAIT_BUYER_PAY":
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"}
            trade["trade_status"] = "TRADE_CLOSED"
            return {**ok, "out_trade_no": no}
        if method == "alipay.trade.refund":
            key = biz.get("out_request_no") or no
            if key in self.refunds:
                return {**self.refunds[key], "fund_change": "N"}
            cents = round(float(biz["refund_amount"]) * 100)
            if trade["trade_status"] != "TRADE_SUCCESS" or cents > round(float(trade["total_amount"]) * 100) - trade["refunded"]:
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                        "sub_msg": "退款金额超限"}
            trade["refunded"] += cents
            self.refunds[key] = {**ok, "trade_no": trade["trade_no"], "out_trade_no": no, "buyer_logon_id": "159****5620",
                                 "fund_change": "Y", "refund_fee": biz["refund_amount"]}
            return self.refunds[key]
        return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.INVALID_METHOD", "sub_msg": method}

    def public(self, trade: dict) -> dict:
        out = {"out_trade_no": trade["out_trade_no"], "trade_status": trade["trade_status"],
               "total_amount": trade["total_amount"], "buyer_logon_id": "159****5620"}
        if trade.get("trade_no"):
            out.update(trade_no=trade["trade_no"], send_pay_date=trade["paid_at"], receipt_amount=trade["total_amount"],
                       buyer_pay_amount=trade["total_amount"])
        return out

    def notification(self, trade: dict, *, key=None, notify_id: str | None = None, **changes) -> dict:
        """The signed asynchronous notification (form fields) of ``trade``'s current state."""
        data = {"notify_time": time.strftime("%Y-%m-%d %H:%M:%S"), "notify_type": "trade_status_sync",
                "notify_id": notify_id or secrets.token_hex(16), "app_id": APPID, "charset": "utf-8", "version": "1.0",
                "sign_type": "RSA2", "gmt_payment": trade.get("paid_at", ""), **self.public(trade), **changes}
        data["sign"] = rsa_sign(key or self.alipay_key, signed_string(data))
        return data

    def pay(self, out_trade_no: str, *, deliver: bool = False) -> dict:
        with self._lock:
            trade = self.trades[out_trade_no]
            trade["scanned"] = True
            if trade["trade_status"] == "WAIT_BUYER_PAY":
                trade.update(trade_status="TRADE_SUCCESS", trade_no="2026" + secrets.token_hex(12)[:24],
                             paid_at=time.strftime("%Y-%m-%d %H:%M:%S"))
        form = self.notification(trade)
        if deliver:
            requests.post(trade["notify_url"], data=form, timeout=10)
        return form

    def start(self) -> FakeAlipay:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def config(self) -> dict:
        return {"ALIPAY_APPID": APPID, "ALIPAY_PRIVATE_KEY_PATH": str(self.private_key_path),
                "ALIPAY_PUBLIC_KEY_PATH": str(self.public_key_path), "ALIPAY_GATEWAY_URL": self.url}
