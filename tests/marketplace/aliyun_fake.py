"""A small local stand-in for Alibaba Cloud SMS's SendSms API (dysmsapi, version 2017-05-25).

The real SDK (alibabacloud_dysmsapi20170525) is pointed at it with SMS_ENDPOINT. It answers with
the shapes of Aliyun's published API: HTTP 200 with ``{"Code": "OK", "Message": "OK", "BizId",
"RequestId"}`` for a sent message, HTTP 200 with another ``Code`` (``isv.MOBILE_NUMBER_ILLEGAL``,
``isv.BUSINESS_LIMIT_CONTROL`` ...) for a refusal, and HTTP 4xx/5xx with ``{"Code", "Message",
"RequestId", "HostId", "Recommend"}`` for an error of the API itself. It checks each request's
ACS3-HMAC-SHA256 signature with the configured secret, as Aliyun does (a wrong secret gets 400
``SignatureDoesNotMatch``), and records what it was sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

ACCESS_KEY_ID = "LTAI5tTestKeyForTheFake"
ACCESS_KEY_SECRET = "test-secret-of-the-fake"


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def signature_ok(method: str, path: str, headers: dict[str, str], body: bytes, secret: str) -> bool:
    """ACS3-HMAC-SHA256 (Aliyun's V3 request signature) of the request, compared with its header."""
    algorithm, _, rest = headers.get("authorization", "").partition(" ")
    try:
        parts = dict(p.split("=", 1) for p in rest.split(","))
        signed = parts["SignedHeaders"].split(";")
        canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    except (KeyError, ValueError):
        return False
    url = urlsplit(path)
    query = "&".join(f"{_encode(k)}={_encode(v)}"
                     for k, v in sorted(parse_qsl(url.query, keep_blank_values=True)))
    payload = hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method, url.path or "/", query, canonical_headers, ";".join(signed), payload])
    to_sign = f"{algorithm}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return algorithm == "ACS3-HMAC-SHA256" and hmac.compare_digest(expected, parts.get("Signature", ""))


class FakeAliyunSms:
    """Serves on 127.0.0.1 and a free port; ``answers`` is a list of (HTTP status, JSON body) used
    one per request (then OK answers); ``requests`` holds the query parameters of each SendSms."""

    def __init__(self, secret: str = ACCESS_KEY_SECRET):
        self.secret = secret
        self.answers: list[tuple[int, dict]] = []
        self.requests: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = fake.answer(self.path, headers, body)
                out = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-aliyun", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        request_id = str(uuid.uuid4()).upper()
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            return 400, {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found.",
                         "RequestId": request_id}
        if not signature_ok("POST", path, headers, body, self.secret):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched.",
                         "RequestId": request_id, "HostId": "dysmsapi.aliyuncs.com"}
        self.requests.append(dict(parse_qsl(urlsplit(path).query)))
        if self.answers:
            status, answer = self.answers.pop(0)
            return status, {"RequestId": request_id, **answer}
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"{len(self.requests)}^0", "RequestId": request_id}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()
