"""JSON API for the signed-in user: who am I, and personal API tokens."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts import services as svc
from marketplace.accounts.scopes import BUYER, MERCHANT
from marketplace.api import api_bp, api_login_required, json_body, scoped
from marketplace.errors import ApiError
from marketplace.openapi import api_doc
from marketplace.schemas import MeSchema, TokenCreatedSchema, TokenCreateSchema, TokenListSchema


def _iso(value):
    from marketplace.db import as_utc

    return as_utc(value).isoformat() if value else None


def token_json(row) -> dict:
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "scopes": sorted(row.scope_set),
            "created_at": _iso(row.created_at),
            "last_used_at": _iso(row.last_used_at)}


@api_bp.get("/me")
@api_doc("Who am I: the user, his platform roles and his shop", tags=["account"], responses={200: MeSchema})
@api_login_required
def me():
    from marketplace.shops.policy import membership_of

    user = current_user
    member = membership_of(user)
    shop = None
    if member is not None:
        shop = {"id": member.shop.id, "slug": member.shop.slug, "name": member.shop.name,
                "status": member.shop.status.value, "role": "owner" if member.is_owner else "staff"}
    return {"id": user.id, "email": user.email, "name": user.name, "display_name": user.display_name,
            "phone": user.phone, "mobile": user.mobile, "locale": user.locale,
            "roles": sorted(r.role.value for r in user.roles if r.scope_type is None),
            "shop": shop}


@api_bp.get("/tokens")
@api_doc("The user's active API tokens (never the tokens themselves)", tags=["account"],
         responses={200: TokenListSchema})
@scoped("read")
@api_login_required
def list_tokens():
    return {"tokens": [token_json(t) for t in svc.list_tokens(current_user)]}


@api_bp.post("/tokens")
@api_doc("Create an API token (from a signed-in session only: a token gets 403)", tags=["account"],
         body=TokenCreateSchema, responses={201: TokenCreatedSchema, 403: "error", 422: "error"})
@scoped()  # any token reaches the view, which refuses every token itself
@api_login_required
def create_token():
    # A token cannot make tokens: a child would outlive its parent's revocation. New tokens come
    # from a signed-in session (the account page, or this route with the session and CSRF token).
    if g.get("api_token_auth"):
        raise ApiError(403, "token_cannot_create_tokens", _("API 令牌不能创建新令牌：请登录后在账户页面创建。"))
    data = json_body()
    name = data.get("name")
    if not isinstance(name, str):
        raise ApiError(422, "invalid", _("请给令牌起一个 1 到 80 个字符的名字。"), field="name")
    # an AccountError is a 422 on field "name"; scopes: a 422 (or 403 for merchant without a shop) on "scopes"
    row, plaintext = svc.create_token(current_user, name, data.get("scopes"))
    return {**token_json(row), "token": plaintext}, 201


@api_bp.delete("/tokens/<int:token_id>")
@api_doc("Revoke one of the user's tokens", tags=["account"], responses={204: None})
@scoped(BUYER, MERCHANT)  # a read-only token changes nothing, not even other tokens
@api_login_required
def revoke_token(token_id: int):
    if svc.revoke_token(current_user, token_id) is None:
        raise ApiError(404, "not_found", _("没有这个令牌"))
    return "", 204
