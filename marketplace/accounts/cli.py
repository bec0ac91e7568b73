"""``flask --app marketplace users ...``: create users, set passwords, list users."""

from __future__ import annotations

import secrets

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from marketplace.accounts import services as svc
from marketplace.accounts.models import Role, User
from marketplace.db import atomic
from marketplace.extensions import db

users = AppGroup("users", help="Manage user accounts.")

ROLE_CHOICES = ["buyer", "merchant", "officer", "reviewer", "admin"]


def generate_password() -> str:
    """A random password that passes the policy."""
    while True:
        password = secrets.token_urlsafe(12)
        if not svc.password_problems(password):
            return password


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLE_CHOICES), default="buyer", show_default=True,
              help="buyer: no platform role; merchant: may own a shop; officer/reviewer/admin: platform roles.")
@click.option("--password", help="The password (default: generate one and print it).")
@click.option("--name", default="", help="Display name.")
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
@click.option("--shop", "shop_slug", help="merchant only: make the user owner of this existing shop.")
@click.option("--token", "with_token", is_flag=True,
              help="Also create a personal API token with every scope the user may have, and print it.")
def create_command(email, role, password, name, locale, shop_slug, with_token):
    """Create a user account with EMAIL."""
    from marketplace.shops.models import MemberRole, Shop, ShopMember

    email = svc.normalise_email(email)
    if svc.user_by_email(email) is not None:
        _fail(f"a user with e-mail {email} already exists. Use `flask --app marketplace users set-password "
              f"{email}` to give it a new password, or choose another address.")
    shop = None
    if shop_slug:
        if role != "merchant":
            _fail("--shop only goes with --role merchant.")
        shop = db.session.scalar(sa.select(Shop).where(Shop.slug == shop_slug))
        if shop is None:
            _fail(f"no shop with slug {shop_slug!r}. Create the user without --shop; he can apply at /shops/apply.")
        if any(m.is_owner for m in shop.members):
            _fail(f"shop {shop_slug!r} already has an owner.")
    generated = password is None
    password = password or generate_password()
    try:
        with atomic():
            user = svc.create_user(email, password, name=name, locale=locale)
            if role in ("officer", "reviewer", "admin"):
                svc.grant_role(user, Role(role))
            if shop is not None:
                db.session.add(ShopMember(shop=shop, user=user, role=MemberRole.OWNER))
    except svc.AccountError as exc:
        _fail(str(exc))
    click.echo(f"Created user {user.contact} (id {user.id}, role {role}).")
    if generated:
        click.echo(f"Password: {password}")
    if role == "merchant":
        if shop is not None:
            click.echo(f"Owner of shop {shop.slug} ({shop.name}, status {shop.status.value}).")
        else:
            click.echo("He can now log in and apply for a shop at /shops/apply.")
    if with_token:
        from marketplace.accounts.scopes import allowed_scopes

        db.session.refresh(user)  # his shop membership, if any: a merchant's token gets the merchant scope
        scopes = list(allowed_scopes(user))
        _row, plaintext = svc.create_token(user, "cli", scopes)
        click.echo(f"API token: {plaintext}")
        click.echo(f"Token scopes: {' '.join(scopes)}")


@users.command("set-password")
@click.argument("email")
@click.option("--password", help="The new password (default: generate one and print it).")
def set_password_command(email, password):
    """Give the user EMAIL a new password; ends all his sessions."""
    user = svc.user_by_email(email)
    if user is None:
        _fail(f"no user with e-mail {svc.normalise_email(email)}. Create one with `flask --app marketplace "
              f"users create EMAIL`.")
    generated = password is None
    password = password or generate_password()
    try:
        svc.set_password(user, password)
    except svc.AccountError as exc:
        _fail(str(exc))
    click.echo(f"Password changed for {user.contact}.")
    if generated:
        click.echo(f"Password: {password}")


@users.command("list")
@click.option("--role", type=click.Choice([r.value for r in Role]), help="Only users with this platform role.")
def list_command(role):
    """List users: id, e-mail, platform roles, shop, active."""
    from marketplace.shops.models import ShopMember

    query = sa.select(User).order_by(User.id)
    if role:
        from marketplace.accounts.models import UserRole

        query = query.where(User.roles.any(sa.and_(UserRole.role == Role(role), UserRole.scope_type.is_(None))))
    members = {m.user_id: m for m in db.session.scalars(sa.select(ShopMember))}
    for user in db.session.scalars(query):
        roles = ",".join(sorted(r.role.value for r in user.roles if r.scope_type is None)) or "-"
        member = members.get(user.id)
        shop = f"{member.shop.slug}({'owner' if member.is_owner else 'staff'})" if member else "-"
        state = "active" if user.active else "inactive"
        click.echo(f"{user.id}\t{user.contact}\t{roles}\t{shop}\t{state}")


def register(app: Flask) -> None:
    app.cli.add_command(users)
