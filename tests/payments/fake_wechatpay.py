"""A small local HTTP fake of WeChat Pay API v3, answering in the shapes of its published reference
(pay.weixin.qq.com/doc/v3/merchant): Native and JSAPI orders, query by out_trade_no, close,
domestic refunds. It makes its own keys at test time: the merchant's (the app signs its requests
with it: the fake checks every Authorization header) and the platform's (the fake signs every answer
and notification with it: the SDK verifies them with the public key and its id).

``pay(out_trade_no)`` stands for the buyer scanning the code and paying: the trade succeeds and the
signed, AES-GCM encrypted TRANSACTION.SUCCESS notification is returned (headers, body), and posted to
the trade's notify_url when ``deliver=True``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import secrets
import threading
import time
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
#: The official account's AppSecret (web authorisation, for JSAPI).
MP_SECRET = "mp-secret-for-tests"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092025051800001"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def pem_public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def rsa_sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


class FakeWeChatPay:
    def __init__(self, folder: Path):
        self.merchant_key, self.platform_key = new_key(), new_key()
        self.apiv3_key = secrets.token_hex(16)  # 32 characters, as WeChat Pay's
        folder.mkdir(parents=True, exist_ok=True)
        self.private_key_path = folder / "apiclient_key.pem"
        self.private_key_path.write_bytes(pem_private(self.merchant_key))
        self.public_key_path = folder / "pub_key.pem"
        self.public_key_path.write_bytes(pem_public(self.platform_key))
        self.trades: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.unsigned: int = 0  # requests whose Authorization did not verify
        self.codes: dict[str, str] = {}  # web authorisation codes -> openid (each works once)
        self.bill_files: dict[str, bytes] = {}  # download token -> the bill as served
        self.extra_bill_rows: list[list[str]] = []  # rows a test adds (a trade unknown to the app ...)
        self.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _answer(self, method: str):
                body = self._body()
                fake.requests.append((method, self.path))
                if self.path.startswith(("/connect/oauth2/authorize", "/sns/oauth2/")):
                    return self._oauth()
                if self.path.startswith("/v3/billdownload/") and fake.authorised(
                        method, self.path, "", self.headers.get("Authorization", "")):
                    data = fake.bill_files.get(dict(parse_qsl(urlsplit(self.path).query)).get("token", ""), b"")
                    self.send_response(200 if data else 404)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return None
                if not fake.authorised(method, self.path, body.decode(), self.headers.get("Authorization", "")):
                    fake.unsigned += 1
                    return self._send(401, {"code": "SIGN_ERROR", "message": "签名错误"})
                with fake._lock:
                    status, payload = fake.route(method, self.path, json.loads(body) if body else {})
                return self._send(status, payload)

            def _send(self, status: int, payload):
                data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                for name, value in fake.signed_headers(data.decode()).items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _oauth(self):
                status, headers, data = fake.oauth(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    # --- the API ----------------------------------------------------------------------------------

    def oauth(self, path: str) -> tuple[int, dict, bytes]:
        """WeChat's web authorisation (网页授权): the authorise page sends the browser straight back
        with a code (snsapi_base asks nothing); the code is exchanged once for the openid."""
        url = urlsplit(path)
        query = dict(parse_qsl(url.query))
        if url.path == "/connect/oauth2/authorize":
            code = secrets.token_hex(16)
            if query.get("appid") == APPID and query.get("scope") == "snsapi_base":
                self.codes[code] = self.openid
            target = query.get("redirect_uri", "/")
            sep = "&" if "?" in target else "?"
            return 302, {"Location": f"{target}{sep}{urlencode({'code': code, 'state': query.get('state', '')})}"}, b""
        if query.get("appid") != APPID or query.get("secret") != MP_SECRET:
            payload = {"errcode": 40125, "errmsg": "invalid appsecret"}
        elif query.get("code") not in self.codes:
            payload = {"errcode": 40029, "errmsg": "invalid code"}
        else:
            payload = {"access_token": secrets.token_hex(20), "expires_in": 7200, "refresh_token": "r",
                       "openid": self.codes.pop(query["code"]), "scope": "snsapi_base"}
        return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()

    def authorised(self, method: str, path: str, body: str, header: str) -> bool:
        """WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,signature=..,timestamp=..,serial_no=.."""
        if not header.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        fields = dict(part.split("=", 1) for part in header.split(" ", 1)[1].split(","))
        fields = {k: v.strip('"') for k, v in fields.items()}
        message = f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{body}\n"
        try:
            self.merchant_key.public_key().verify(base64.b64decode(fields.get("signature", "")), message.encode(),
                                                  padding.PKCS1v15(), hashes.SHA256())
        except Exception:  # noqa: BLE001 - any failure is a refusal
            return False
        return fields.get("mchid") == MCHID and fields.get("serial_no") == SERIAL

    def route(self, method: str, path: str, p: dict) -> tuple[int, dict | None]:
        parts = urlsplit(path).path.strip("/").split("/")
        if method == "POST" and parts[:3] == ["v3", "pay", "transactions"] and len(parts) == 4:
            return self._create(parts[3], p)
        if parts[:4] == ["v3", "pay", "transactions", "out-trade-no"]:
            trade = self.trades.get(parts[4])
            if trade is None:
                return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
            if method == "POST" and parts[5:] == ["close"]:
                if trade["trade_state"] == "NOTPAY":
                    trade["trade_state"] = "CLOSED"
                    return 204, None
                return 400, {"code": "ORDERPAID", "message": "订单已支付"}
            return 200, self.public(trade)
        if method == "POST" and parts == ["v3", "refund", "domestic", "refunds"]:
            return self._refund(p)
        if method == "GET" and parts == ["v3", "bill", "tradebill"]:
            return self._bill(dict(parse_qsl(urlsplit(path).query)))
        return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "not found"}

    def _create(self, kind: str, p: dict) -> tuple[int, dict]:
        no = p.get("out_trade_no", "")
        if p.get("mchid") != MCHID or p.get("appid") != APPID or not 6 <= len(no) <= 32:
            return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
        old = self.trades.get(no)
        if old is not None:
            if old["amount"]["total"] != p["amount"]["total"]:
                return 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}
            if old["trade_state"] == "CLOSED":
                return 400, {"code": "ORDER_CLOSED", "message": "订单已关闭"}
        else:
            old = self.trades[no] = {
                "out_trade_no": no, "trade_type": kind.upper(), "trade_state": "NOTPAY", "notify_url": p["notify_url"],
                "amount": {"total": p["amount"]["total"], "currency": "CNY"}, "description": p["description"],
                "code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}",
                "prepay_id": "wx" + secrets.token_hex(14), "refunded": 0}
        if kind == "native":
            return 200, {"code_url": old["code_url"]}
        return 200, {"prepay_id": old["prepay_id"]}

    # --- the trade bill (交易账单) -------------------------------------------------------------------

    BILL_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
                   "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,"
                   "商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
    FEE_RATE = Decimal("0.006")

    def bill_text(self, extra_rows=()) -> str:
        """The bill of everything paid and refunded here (one day: the fake keeps no dates), with a
        0.6 % fee per trade given back in part on a refund, as WeChat Pay's."""

        def yuan(fen: int) -> str:
            return f"{Decimal(fen) / 100:.2f}"

        def fee(fen: int) -> int:
            return int((Decimal(fen) * self.FEE_RATE).quantize(Decimal(1), rounding=ROUND_HALF_UP))

        rows = []
        for trade in self.trades.values():
            if trade.get("transaction_id"):
                total = trade["amount"]["total"]
                rows.append([_now(), APPID, MCHID, "0", "", trade["transaction_id"], trade["out_trade_no"], self.openid,
                             trade["trade_type"], "SUCCESS", "OTHERS", "CNY", yuan(total), "0.00", "0", "0", "0.00",
                             "0.00", "", "", trade["description"], "", yuan(fee(total)), "0.60%", yuan(total), "0.00", ""])
        for refund in self.refunds.values():
            amount = refund["amount"]["refund"]
            rows.append([_now(), APPID, MCHID, "0", "", refund["transaction_id"], refund["out_trade_no"], self.openid,
                         "NATIVE", "REFUND", "OTHERS", "CNY", "0.00", "0.00", refund["refund_id"], refund["out_refund_no"],
                         yuan(amount), "0.00", "ORIGINAL", "SUCCESS", "", "", yuan(-fee(amount)), "0.60%", "0.00",
                         yuan(amount), ""])
        rows += [list(r) for r in extra_rows]
        lines = [self.BILL_HEADER] + [",".join("`" + str(cell) for cell in row) for row in rows]
        lines += ["总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
                  f"`{len(rows)},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00"]
        return "\r\n".join(lines) + "\r\n"

    def _bill(self, query: dict) -> tuple[int, dict]:
        if not query.get("bill_date"):
            return 400, {"code": "PARAM_ERROR", "message": "bill_date"}
        raw = self.bill_text(self.extra_bill_rows).encode("utf-8")
        token = secrets.token_hex(8)
        self.bill_files[token] = gzip.compress(raw) if query.get("tar_type") == "GZIP" else raw
        return 200, {"hash_type": "SHA1", "hash_value": hashlib.sha1(raw).hexdigest(),  # noqa: S324 - WeChat Pay's
                     "download_url": f"{self.url}/v3/billdownload/file?token={token}"}

    def _refund(self, p: dict) -> tuple[int, dict]:
        trade = self.trades.get(p.get("out_trade_no", ""))
        if trade is None or trade["trade_state"] not in ("SUCCESS", "REFUND"):
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
        if p["out_refund_no"] in self.refunds:
            return 200, self.refunds[p["out_refund_no"]]
        amount = p["amount"]["refund"]
        if p["amount"]["total"] != trade["amount"]["total"] or amount > trade["amount"]["total"] - trade["refunded"]:
            return 400, {"code": "NOT_ENOUGH", "message": "可退金额不足"}
        trade["refunded"] += amount
        trade["trade_state"] = "REFUND"
        refund = {"refund_id": "50000" + secrets.token_hex(8), "out_refund_no": p["out_refund_no"],
                  "transaction_id": trade["transaction_id"], "out_trade_no": trade["out_trade_no"],
                  "channel": "ORIGINAL", "status": "PROCESSING", "create_time": _now(),
                  "amount": {"total": trade["amount"]["total"], "refund": amount, "payer_total": trade["amount"]["total"],
                             "payer_refund": amount, "currency": "CNY"}}
        self.refunds[p["out_refund_no"]] = refund
        return 200, refund

    def public(self, trade: dict) -> dict:
        out = {"appid": APPID, "mchid": MCHID, "out_trade_no": trade["out_trade_no"], "trade_type": trade["trade_type"],
               "trade_state": trade["trade_state"], "trade_state_desc": trade["trade_state"],
               "amount": {**trade["amount"], "payer_total": trade["amount"]["total"], "payer_currency": "CNY"}}
        if trade.get("transaction_id"):
            out.update(transaction_id=trade["transaction_id"], success_time=trade["success_time"], bank_type="OTHERS",
                       payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"})
        return out

    # --- signing, paying, notifying -----------------------------------------------------------------

    def signed_headers(self, body: str, *, key=None, timestamp: int | None = None, serial: str | None = None) -> dict:
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": serial or PUBLIC_KEY_ID,
                "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                "Wechatpay-Signature": rsa_sign(key or self.platform_key, f"{stamp}\n{nonce}\n{body}\n")}

    def notification(self, resource: dict, *, event_id: str | None = None, key=None, timestamp: int | None = None,
                     apiv3_key: str | None = None, event_type: str = "TRANSACTION.SUCCESS") -> tuple[dict, str]:
        """A signed notification of ``resource`` (headers, body): TRANSACTION.SUCCESS, or a refund's
        REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED (original_type "refund")."""
        nonce = secrets.token_hex(6)
        original = "refund" if event_type.startswith("REFUND.") else "transaction"
        cipher = AESGCM((apiv3_key or self.apiv3_key).encode()).encrypt(
            nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), original.encode())
        body = json.dumps({"id": event_id or f"EV-{secrets.token_hex(10)}", "create_time": _now(),
                           "resource_type": "encrypt-resource", "event_type": event_type,
                           "summary": "退款成功" if original == "refund" else "支付成功",
                           "resource": {"original_type": original, "algorithm": "AEAD_AES_256_GCM",
                                        "ciphertext": base64.b64encode(cipher).decode(), "associated_data": original,
                                        "nonce": nonce}}, ensure_ascii=False)
        return self.signed_headers(body, key=key, timestamp=timestamp), body

    def refund_notification(self, out_refund_no: str, status: str = "SUCCESS") -> tuple[dict, str]:
        """The signed REFUND.<status> notification of a refund it took (SUCCESS, ABNORMAL, CLOSED)."""
        with self._lock:
            refund = self.refunds[out_refund_no]
            refund["status"] = status
            resource = {"mchid": MCHID, "out_trade_no": refund["out_trade_no"], "transaction_id": refund["transaction_id"],
                        "out_refund_no": out_refund_no, "refund_id": refund["refund_id"], "refund_status": status,
                        "success_time": _now() if status == "SUCCESS" else None,
                        "user_received_account": "招商银行信用卡0403",
                        "amount": {"total": refund["amount"]["total"], "refund": refund["amount"]["refund"],
                                   "payer_total": refund["amount"]["payer_total"],
                                   "payer_refund": refund["amount"]["payer_refund"]}}
        return self.notification(resource, event_type=f"REFUND.{status}")

    def pay(self, out_trade_no: str, *, deliver: bool = False) -> tuple[dict, str]:
        """The buyer pays: the trade succeeds; its notification (headers, body), sent when ``deliver``."""
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade["trade_state"] == "NOTPAY":
                trade.update(trade_state="SUCCESS", transaction_id="42000" + secrets.token_hex(12)[:23],
                             success_time=_now())
            resource = self.public(trade)
        headers, body = self.notification(resource)
        if deliver:
            requests.post(trade["notify_url"], data=body.encode(), headers={**headers, "Content-Type": "application/json"},
                          timeout=10)
        return headers, body

    def start(self) -> FakeWeChatPay:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def config(self) -> dict:
        return {"WECHATPAY_MCHID": MCHID, "WECHATPAY_APPID": APPID, "WECHATPAY_APIV3_KEY": self.apiv3_key,
                "WECHATPAY_CERT_SERIAL": SERIAL, "WECHATPAY_PRIVATE_KEY_PATH": str(self.private_key_path),
                "WECHATPAY_PUBLIC_KEY_PATH": str(self.public_key_path), "WECHATPAY_PUBLIC_KEY_ID": PUBLIC_KEY_ID,
                "WECHATPAY_API_BASE": self.url, "WECHAT_MP_SECRET": MP_SECRET,
                "WECHAT_OAUTH_AUTHORIZE_URL": f"{self.url}/connect/oauth2/authorize", "WECHAT_OAUTH_API_BASE": self.url}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.localtime())
