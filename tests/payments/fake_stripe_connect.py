"""A small local HTTP fake of the Stripe Connect endpoints localstripe lacks, answering in the
shapes of Stripe's API reference: Accounts, Account Links, Transfers and Transfer Reversals.

``FakeConnect.balance`` is the platform's available balance: a transfer above it fails as Stripe's
does (400, ``balance_insufficient``). ``GET /onboarding/<acct>`` stands for the merchant finishing
Stripe's hosted onboarding: the account gets ``details_submitted`` and ``payouts_enabled``.
Idempotency keys are honoured (the first answer is replayed).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(8)


def _form(body: bytes) -> dict:
    """Stripe's form encoding: ``metadata[order]=1``, ``capabilities[transfers][requested]=true``."""
    out: dict = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeConnect:
    def __init__(self):
        self.balance = 10**9
        self.accounts: dict[str, dict] = {}
        self.transfers: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self._idem: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urlsplit(self.path).path
                fake.requests.append(("GET", path))
                parts = path.strip("/").split("/")
                if parts[:2] == ["v1", "accounts"] and len(parts) == 3 and parts[2] in fake.accounts:
                    return self._send(200, fake.accounts[parts[2]])
                if parts[0] == "onboarding" and len(parts) == 2 and parts[1] in fake.accounts:
                    account = fake.accounts[parts[1]]
                    account.update(details_submitted=True, payouts_enabled=True, charges_enabled=True)
                    return self._send(302, {}, {"Location": account["_return_url"]})
                return self._send(404, {"error": {"type": "invalid_request_error", "message": "No such object"}})

            def do_POST(self):
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                params = _form(self.rfile.read(length))
                fake.requests.append(("POST", path))
                key = self.headers.get("Idempotency-Key")
                with fake._lock:
                    if key and key in fake._idem:
                        status, body = fake._idem[key]
                        return self._send(status, body)
                    status, body = fake.route(path, params)
                    if key:
                        fake._idem[key] = (status, body)
                return self._send(status, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, path: str, p: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        now = int(time.time())
        if parts == ["v1", "accounts"]:
            acct = {"id": _id("acct_"), "object": "account", "type": p.get("type", "express"), "email": p.get("email"),
                    "country": p.get("country", "US"), "details_submitted": False, "payouts_enabled": False,
                    "charges_enabled": False, "capabilities": {"transfers": "inactive"}, "created": now,
                    "metadata": p.get("metadata", {})}
            self.accounts[acct["id"]] = acct
            return 200, acct
        if parts == ["v1", "account_links"]:
            acct = self.accounts.get(p.get("account", ""))
            if acct is None:
                return 400, {"error": {"type": "invalid_request_error", "param": "account", "message": "No such account"}}
            acct["_return_url"] = p.get("return_url", "/")
            return 200, {"object": "account_link", "created": now, "expires_at": now + 300,
                         "url": f"{self.url}/onboarding/{acct['id']}"}
        if parts == ["v1", "transfers"]:
            amount = int(p.get("amount", 0))
            if p.get("destination") not in self.accounts:
                return 400, {"error": {"type": "invalid_request_error", "param": "destination",
                                       "message": "No such destination"}}
            if amount > self.balance:
                return 400, {"error": {"type": "invalid_request_error", "code": "balance_insufficient",
                                       "message": "You have insufficient funds in your Stripe account for this "
                                                  "transfer."}}
            self.balance -= amount
            transfer = {"id": _id("tr_"), "object": "transfer", "amount": amount, "amount_reversed": 0,
                        "currency": p.get("currency"), "destination": p.get("destination"), "created": now,
                        "transfer_group": p.get("transfer_group"), "reversed": False,
                        "metadata": p.get("metadata", {}), "reversals": {"object": "list", "data": []}}
            self.transfers[transfer["id"]] = transfer
            return 200, transfer
        if len(parts) == 4 and parts[:2] == ["v1", "transfers"] and parts[3] == "reversals":
            transfer = self.transfers.get(parts[2])
            if transfer is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such transfer"}}
            amount = int(p.get("amount", transfer["amount"] - transfer["amount_reversed"]))
            if amount > transfer["amount"] - transfer["amount_reversed"]:
                return 400, {"error": {"type": "invalid_request_error", "message": "Amount exceeds transfer"}}
            transfer["amount_reversed"] += amount
            transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
            self.balance += amount
            reversal = {"id": _id("trr_"), "object": "transfer_reversal", "amount": amount,
                        "currency": transfer["currency"], "transfer": transfer["id"], "created": now,
                        "metadata": p.get("metadata", {})}
            transfer["reversals"]["data"].append(reversal)
            return 200, reversal
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL {path}"}}

    def start(self) -> FakeConnect:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
