"""What a personal API token may do: the scopes chosen when it is made, and the one check per request.

``read`` lets a token make GET requests only; ``buyer`` opens the cart, checkout and the user's own
orders; ``merchant`` the shop endpoints (/api/v1/shops/<id>/...) for the shop's owner and staff. A
token never exceeds its user: merchant scope is refused at creation to a user without a shop, and
every request still checks the user's current roles (a staff member removed from his shop loses
its endpoints whatever his token says). Session (cookie) requests are not limited by scopes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import SHOP_SCOPE, Role
from marketplace.errors import DomainError

READ, BUYER, MERCHANT = "read", "buyer", "merchant"
#: Every scope, in the order they are offered.
SCOPES = (READ, BUYER, MERCHANT)
#: What a token gets when its creator names no scopes: what every token could do before scopes existed.
DEFAULT_SCOPES = (READ, BUYER)
#: Methods that change nothing: a token with ``read`` may make them on any route.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Short names for lists (the token table).
SCOPE_NAMES = {READ: _l("只读"), BUYER: _l("买家"), MERCHANT: _l("商家")}
#: The choices on the token form.
SCOPE_LABELS = {
    READ: _l("只读：查询数据（仅 GET 请求）"),
    BUYER: _l("买家：购物车、下单和我的订单"),
    MERCHANT: _l("商家：本店的商品、库存和订单"),
}


class ScopeError(DomainError):
    """Scopes a token cannot have (unknown, none, or more than its user may do)."""

    status = 422
    code = "invalid"


def is_shop_member(user) -> bool:
    """The user owns or works in a shop (his current grants: the merchant scope needs one)."""
    return any(r.scope_type == SHOP_SCOPE and r.role in (Role.SHOP_OWNER, Role.SHOP_STAFF) for r in user.roles)


def allowed_scopes(user) -> tuple[str, ...]:
    """The scopes this user may put on a token now."""
    return SCOPES if is_shop_member(user) else (READ, BUYER)


def clean_scopes(user, scopes) -> tuple[str, ...]:
    """``scopes`` (a list of names, or None for the default) checked against the user; in SCOPES order."""
    if scopes is None:
        return DEFAULT_SCOPES
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise ScopeError(_("权限范围必须是字符串列表，可选：%(names)s", names=", ".join(SCOPES)), field="scopes")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ScopeError(_("未知的权限范围：%(name)s", name=unknown[0][:30]), field="scopes")
    if not scopes:
        raise ScopeError(_("请至少选择一个权限范围"), field="scopes")
    if MERCHANT in scopes and MERCHANT not in allowed_scopes(user):
        raise ScopeError(_("只有店铺的店主或店员才能创建商家权限的令牌"), status=403, code="scope_not_allowed",
                         field="scopes")
    return tuple(s for s in SCOPES if s in scopes)


def token_allows(granted: frozenset[str] | set[str], needed: tuple[str, ...] | None, method: str) -> bool:
    """May a token with ``granted`` scopes call a route that declares ``needed`` with ``method``?

    ``read`` allows any safe method. A route that declares no scopes is open to every token for
    safe methods (public data, /me) and to none for writes: a write must say which scope it needs.
    """
    safe = method in SAFE_METHODS
    if safe and READ in granted:
        return True
    if needed is None:
        return safe
    return not needed or bool(granted & set(needed))
