"""SMS providers behind one interface, chosen by SMS_PROVIDER when the app starts.

* ``outbox`` (the default; development and tests): sends nothing. The message stays on the admin's
  outbox page, marked held, and its text goes to the log: a developer reads the code there. It does
  not pretend to send: nothing reports the message as sent.
* ``aliyun``: Alibaba Cloud SMS (短信服务) through its official SDK, ``alibabacloud_dysmsapi20170525``
  (SendSms with the approved sign name and template, the template filled with the parameters).
  Configured by SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME, SMS_TEMPLATE_CODE and
  SMS_ENDPOINT (default dysmsapi.aliyuncs.com; a URL such as http://127.0.0.1:8080 changes the scheme).

A provider raises ``SmsError`` with ``permanent`` telling whether trying again could help.
"""

from __future__ import annotations

import json
import logging
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app

from marketplace.config import ConfigError
from marketplace.privacy.masking import mask_phone

log = logging.getLogger("marketplace.sms")


class SmsError(Exception):
    """A send that did not happen; ``permanent`` when retrying cannot help (a refused number or template)."""

    def __init__(self, reason: str, *, permanent: bool):
        super().__init__(reason)
        self.permanent = permanent


class SmsProvider(Protocol):
    """What delivery needs from a provider."""

    name: ClassVar[str]
    #: True when the provider only keeps messages (marked held in the outbox), never sends them.
    keeps_messages: ClassVar[bool]

    def send(self, phone: str, text: str, params: dict[str, str], template_code: str | None = None) -> str | None:
        """Send ``text`` (or the provider's template filled with ``params``: ``template_code``, by
        default the code template SMS_TEMPLATE_CODE) to ``phone`` (E.164). Returns the provider's id
        of the message; raises SmsError."""


class OutboxProvider:
    """Development and tests: the message is kept in the outbox and written to the log, never sent."""

    name = "outbox"
    keeps_messages = True

    def __init__(self, config):
        self.config = config

    def send(self, phone: str, text: str, params: dict[str, str], template_code: str | None = None) -> str | None:
        log.info("SMS to %s NOT SENT (SMS_PROVIDER=outbox; read it at /admin/outbox): %s", mask_phone(phone), text)
        return None


#: Aliyun answer codes worth retrying later (flow control, their system, an empty balance);
#: any other code that is not "OK" is a refusal of this message.
ALIYUN_TRANSIENT = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isv.AMOUNT_NOT_ENOUGH",
                              "isv.OUT_OF_SERVICE", "Throttling.User", "Throttling", "ServiceUnavailable"})
_ALIYUN_SETTINGS = ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_TEMPLATE_CODE")


class AliyunProvider:
    """Alibaba Cloud SMS (SendSms, API version 2017-05-25) through the official Python SDK."""

    name = "aliyun"
    keeps_messages = False

    def __init__(self, config):
        missing = [key for key in _ALIYUN_SETTINGS if not config.get(key)]
        if missing:
            raise ConfigError(f"SMS_PROVIDER=aliyun needs {', '.join(missing)} in the environment")
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as openapi

        endpoint = config.get("SMS_ENDPOINT") or "dysmsapi.aliyuncs.com"
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        self.sign_name, self.template_code = config["SMS_SIGN_NAME"], config["SMS_TEMPLATE_CODE"]
        self.timeout_ms = int(float(config.get("SMS_TIMEOUT_SECONDS") or 10) * 1000)
        self.client = Client(openapi.Config(access_key_id=config["SMS_ACCESS_KEY_ID"],
                                            access_key_secret=config["SMS_ACCESS_KEY_SECRET"],
                                            endpoint=parts.netloc, protocol=parts.scheme))

    def send(self, phone: str, text: str, params: dict[str, str], template_code: str | None = None) -> str | None:
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_tea_util import models as util
        from Tea.exceptions import TeaException

        request = models.SendSmsRequest(phone_numbers=phone.removeprefix("+86"), sign_name=self.sign_name,
                                        template_code=template_code or self.template_code,
                                        template_param=json.dumps(params, ensure_ascii=False))
        runtime = util.RuntimeOptions(autoretry=False, connect_timeout=self.timeout_ms, read_timeout=self.timeout_ms)
        try:
            body = self.client.send_sms_with_options(request, runtime).body
        except TeaException as exc:  # the SDK's errors: HTTP 4xx/5xx answers and network failures
            raise _aliyun_error(exc) from None
        if body.code != "OK":
            raise SmsError(f"aliyun {body.code}: {body.message}", permanent=body.code not in ALIYUN_TRANSIENT)
        return body.biz_id


def _aliyun_error(exc: Exception) -> SmsError:
    code = getattr(exc, "code", None)
    status = getattr(exc, "status_code", None) or getattr(exc, "statusCode", None)
    if status is None:  # no answer; the SDK's text of it holds the request's URL, code included: left out
        return SmsError(f"aliyun unreachable: {type(exc).__name__}", permanent=False)
    reason = f"aliyun {code or type(exc).__name__}: {getattr(exc, 'message', '') or ''}".strip()[:300]
    if status is None or int(status) >= 500 or str(code) in ALIYUN_TRANSIENT or str(code).startswith("Throttling"):
        return SmsError(reason, permanent=False)  # no answer (network), their failure, or flow control
    return SmsError(reason, permanent=True)  # 4xx: bad keys, a refused signature, template or number


PROVIDERS: dict[str, type] = {"outbox": OutboxProvider, "aliyun": AliyunProvider}


def get_provider(app: Flask | None = None) -> SmsProvider:
    """The app's provider, made once (a wrong SMS_PROVIDER or a missing setting is a ConfigError)."""
    app = app or current_app._get_current_object()
    provider = app.extensions.get("sms_provider")
    if provider is None:
        name = (app.config.get("SMS_PROVIDER") or "outbox").strip().lower()
        if name not in PROVIDERS:
            raise ConfigError(f"SMS_PROVIDER={name!r} is not one of {', '.join(sorted(PROVIDERS))}")
        provider = app.extensions["sms_provider"] = PROVIDERS[name](app.config)
    return provider
