"""``flask users create / set-password / list``."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.accounts import services as svc
from marketplace.accounts.models import Role, User
from marketplace.mail.models import OutboxMessage
from marketplace.shops.models import MemberRole, ShopMember


def run(app, *args):
    return app.test_cli_runner().invoke(args=["users", *args])


def get_user(db, email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_buyer_with_generated_password(app, db):
    result = run(app, "create", "Buyer@Example.com")
    assert result.exit_code == 0, result.output
    password = re.search(r"Password: (\S+)", result.output).group(1)
    user = get_user(db, "buyer@example.com")
    assert user is not None and user.roles == []
    assert svc.verify_password(user.password_hash, password)
    assert svc.password_problems(password) == []


def test_create_admin_with_password_and_token(app, db):
    result = run(app, "create", "boss@example.com", "--role", "admin", "--password", "admin pass for demo", "--token")
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    token = re.search(r"API token: (mkt_\S+)", result.output).group(1)
    assert "Token scopes: read buyer\n" in result.output
    user = get_user(db, "boss@example.com")
    assert user.has_role(Role.ADMIN)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["roles"] == ["admin"]


def test_create_officer(app, db):
    assert run(app, "create", "office@example.com", "--role", "officer").exit_code == 0
    assert get_user(db, "office@example.com").has_role(Role.OFFICER)


def test_existing_email_is_a_clear_error(app, db, make_user):
    make_user(email="taken@example.com")
    result = run(app, "create", "TAKEN@example.com", "--role", "admin")
    assert result.exit_code == 1
    assert "already exists" in result.output and "set-password" in result.output
    assert not get_user(db, "taken@example.com").has_role(Role.ADMIN)


def test_weak_password_refused(app, db):
    result = run(app, "create", "weak@example.com", "--password", "123456789012")
    assert result.exit_code == 1
    assert "不能全是数字" in result.output
    assert get_user(db, "weak@example.com") is None


def test_merchant_without_shop_is_told_to_apply(app, db):
    result = run(app, "create", "seller@example.com", "--role", "merchant")
    assert result.exit_code == 0
    assert "/shops/apply" in result.output
    assert get_user(db, "seller@example.com") is not None


def test_merchant_attached_to_existing_shop(app, db, make_shop):
    shop = make_shop(slug="ownerless")
    db.session.execute(sa.delete(ShopMember).where(ShopMember.shop_id == shop.id))
    db.session.commit()
    result = run(app, "create", "owner@example.com", "--role", "merchant", "--shop", "ownerless", "--token")
    assert result.exit_code == 0, result.output
    user = get_user(db, "owner@example.com")
    member = db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == user.id))
    assert member.shop_id == shop.id and member.role == MemberRole.OWNER
    assert "Token scopes: read buyer merchant" in result.output  # his ERP can use the shop endpoints


def test_merchant_shop_errors_create_nothing(app, db, make_shop):
    make_shop(slug="has-owner")
    for args in (["--shop", "no-such-shop"], ["--shop", "has-owner"]):
        result = run(app, "create", "nobody@example.com", "--role", "merchant", *args)
        assert result.exit_code == 1
        assert get_user(db, "nobody@example.com") is None
    result = run(app, "create", "nobody@example.com", "--role", "buyer", "--shop", "has-owner")
    assert result.exit_code == 1


def test_set_password(app, db, make_user):
    user = make_user(email="forgot@example.com")
    version = user.auth_version
    result = run(app, "set-password", "forgot@example.com", "--password", "reset by admin 77")
    assert result.exit_code == 0, result.output
    user = get_user(db, "forgot@example.com")
    assert svc.verify_password(user.password_hash, "reset by admin 77")
    assert user.auth_version == version + 1
    assert [m.to_addr for m in db.session.scalars(sa.select(OutboxMessage))] == ["forgot@example.com"]
    generated = run(app, "set-password", "forgot@example.com")
    assert generated.exit_code == 0 and "Password: " in generated.output
    assert run(app, "set-password", "ghost@example.com").exit_code == 1
    assert run(app, "set-password", "forgot@example.com", "--password", "short").exit_code == 1


def test_a_cli_mail_links_only_to_the_configured_host(app, db, make_user):
    make_user(email="forgot@example.com")
    app.config["PUBLIC_BASE_URL"] = "https://market.example.com"
    assert run(app, "set-password", "forgot@example.com", "--password", "reset by admin 78").exit_code == 0
    [mail] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert "https://market.example.com/account/reset" in mail.body_text and "localhost" not in mail.body_text


def test_list(app, make_user, make_shop):
    admin = make_user(email="a@example.com", roles=[Role.ADMIN])
    make_shop(owner=make_user(email="m@example.com"), slug="listed-shop")
    make_user(email="off@example.com", active=False)
    result = run(app, "list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert any(line.startswith(f"{admin.id}\ta@example.com\tadmin") for line in lines)
    assert any("m@example.com" in line and "listed-shop(owner)" in line for line in lines)
    assert any("off@example.com" in line and "inactive" in line for line in lines)
    only_admins = run(app, "list", "--role", "admin").output
    assert "a@example.com" in only_admins and "m@example.com" not in only_admins
