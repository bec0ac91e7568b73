"""The payer's openid for WeChat Pay JSAPI, through WeChat's web authorisation (网页授权, scope
snsapi_base: silent, no consent page): the buyer's WeChat browser is sent to the authorise URL,
comes back with a code, and the code is exchanged (with the official account's AppSecret) for the
openid, kept in the buyer's session. Configured by WECHAT_MP_SECRET with WECHATPAY_APPID (the
official account the merchant account is bound to); WECHAT_OAUTH_AUTHORIZE_URL and
WECHAT_OAUTH_API_BASE point elsewhere for tests and sandboxes.
"""

from __future__ import annotations

import urllib.parse

import requests
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from payments import wechatpay

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
API_BASE = "https://api.weixin.qq.com"
#: Seconds a state token (which group, which user) stays valid: the round trip through WeChat.
STATE_MAX_AGE = 600
#: The session key of the openid (per app id: another official account has other openids).
SESSION_KEY = "wechat_openid"


class OAuthError(RuntimeError):
    """WeChat refused the code or could not be reached (for the log; the user sees a plain message)."""


def enabled() -> bool:
    return wechatpay.enabled() and bool(current_app.config.get("WECHAT_MP_SECRET"))


def in_wechat(user_agent: str | None) -> bool:
    """A page opened in WeChat's own browser (where JSAPI works and a QR code cannot be scanned)."""
    return "MicroMessenger" in (user_agent or "")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wechat-oauth-state")


def state_for(user_id: int, target: str) -> str:
    """A signed, short-lived state naming the user and where to go back (a path of this site)."""
    return _serializer().dumps({"u": user_id, "t": target})


def read_state(state: str, user_id: int) -> str | None:
    """The path the state names, or None when it is forged, stale or another user's."""
    try:
        data = _serializer().loads(state or "", max_age=STATE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id or not str(data.get("t", "")).startswith("/"):
        return None
    target = str(data["t"])
    return None if target.startswith("//") else target


def authorize_url(redirect_uri: str, state: str) -> str:
    base = current_app.config.get("WECHAT_OAUTH_AUTHORIZE_URL") or AUTHORIZE_URL
    query = urllib.parse.urlencode({"appid": current_app.config["WECHATPAY_APPID"], "redirect_uri": redirect_uri,
                                    "response_type": "code", "scope": "snsapi_base", "state": state})
    return f"{base}?{query}#wechat_redirect"


def openid_for(code: str) -> str:
    """Exchange the authorisation code for the payer's openid (a code works once, for 5 minutes)."""
    base = (current_app.config.get("WECHAT_OAUTH_API_BASE") or API_BASE).rstrip("/")
    try:
        answer = requests.get(f"{base}/sns/oauth2/access_token", timeout=(5, 10), params={
            "appid": current_app.config["WECHATPAY_APPID"], "secret": current_app.config["WECHAT_MP_SECRET"],
            "code": code, "grant_type": "authorization_code"})
        data = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise OAuthError(f"wechat oauth: {type(exc).__name__}: {exc}") from exc
    openid = data.get("openid") if isinstance(data, dict) else None
    if not isinstance(openid, str) or not openid or len(openid) > 64:
        raise OAuthError(f"wechat oauth refused: {str(data)[:200]}")
    return openid
