"""``flask --app marketplace seed-demo [--if-empty]``: the Shangqiu demo, idempotent.

Runs the demo-data step of every registered domain in order (``marketplace.domains``): the
regions, the demo accounts and shops (see ``marketplace.seed_data``) with their logos, then the
catalogue and the investment projects. Each step is called as ``step(progress)``.
Running it again creates nothing twice: users are found by e-mail, shops by slug.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import time
from collections.abc import Callable
from functools import lru_cache

import click
import sqlalchemy as sa
from flask import Flask, current_app

from marketplace.accounts.models import Role, User, UserRole
from marketplace.db import at_time, atomic, utcnow
from marketplace.domains import seed_steps
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from marketplace.seed_data import (
    ADMIN_EMAIL,
    DEMO_MOBILES,
    DEMO_PASSWORD,
    DEMO_SCOPED_ROLES,
    DEMO_SHOPS,
    DEMO_USERS,
    PENDING_SHOP,
    PHONE_ONLY_USERS,
)
from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopStatusChange, ShopType

DEMO_URL = "http://127.0.0.1:5000"


class Progress:
    """A callable handed to every step: ``progress(n=1)`` counts work done inside the step; the
    bar shows the count (redrawn at most a few times a second), so a long step is seen moving."""

    def __init__(self):
        self.step = ""
        self.count = 0
        self.bar = None
        self._drawn = 0.0

    def __call__(self, n: int = 1, *args, **kwargs) -> None:
        if isinstance(n, int):
            self.count += n
        if self.bar is not None and time.monotonic() - self._drawn > 0.25:
            self._drawn = time.monotonic()
            self.bar.render_progress()

    def label(self, step) -> str | None:
        if step is None:
            return None
        return f"{step[0]} ({self.count})" if self.count else step[0]


# --- logos ----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font that has Chinese glyphs, found with fontconfig; None when there is none."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}|%{file}", "WenQuanYi Micro Hei"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    family, _, path = out.partition("|")
    if path and any(k in family for k in ("WenQuanYi", "CJK", "Hei", "Han Sans", "Droid Sans Fallback")):
        return path
    return None


def make_logo(text: str, colour: tuple[int, int, int], size: int = 480) -> bytes:
    """A coloured square with the shop name's first character (a plain square without a CJK font)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (size, size), colour)
    font_path = cjk_font_path()
    if font_path and text:
        try:
            font = ImageFont.truetype(font_path, int(size * 0.58))
        except OSError:
            font = None
        if font is not None:
            draw = ImageDraw.Draw(img)
            draw.text((size / 2, size / 2), text[0], font=font, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def make_licence(shop: Shop) -> bytes:
    """A stand-in licence scan for a demo shop, clearly marked as a demo."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (800, 560), (250, 246, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((12, 12, 788, 548), outline=(160, 30, 30), width=6)
    font_path = cjk_font_path()
    lines = [("营业执照（演示）", 44), (shop.name, 32), (shop.licence_number, 30), ("DEMO ONLY", 26)]
    y = 90
    for text, size in lines:
        try:
            font = ImageFont.truetype(font_path, size) if font_path else ImageFont.load_default(size)
        except OSError:
            font = ImageFont.load_default(size)
        draw.text((400, y), text if font_path or text.isascii() else "", font=font, fill=(60, 20, 20), anchor="mm")
        y += 110
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _ingest(data: bytes, prefix: str, sizes: tuple[int, ...], keep_full: bool) -> str:
    """Store an image the way the shops domain does: the column holds the key prefix of its variants."""
    from marketplace.media import ingest_image

    stored = ingest_image(data, prefix=prefix, sizes=sizes, keep_full=keep_full)
    return f"{prefix}/{stored.digest[:2]}/{stored.digest}"


def _store_images(shop: Shop, colour) -> None:
    from marketplace.shops.services import LICENCE_PREFIX, LICENCE_SIZES, LOGO_PREFIX, LOGO_SIZES

    if not shop.logo_image:
        shop.logo_image = _ingest(make_logo(shop.name, tuple(colour), size=max(LOGO_SIZES)), LOGO_PREFIX,
                                  LOGO_SIZES, False)
    if not shop.licence_image:
        shop.licence_image = _ingest(make_licence(shop), LICENCE_PREFIX, LICENCE_SIZES, True)


# --- steps ----------------------------------------------------------------------------------

def load_demo_regions(progress: Progress) -> None:
    from marketplace.regions.services import RegionFileError, configured_files, load_regions

    try:
        load_regions(configured_files(), progress=progress)
    except RegionFileError as exc:
        raise click.ClickException(f"The regions file cannot be loaded: {exc}") from None
    from marketplace.regions.demo_columns import seed_columns

    seed_columns()  # a column (专栏) for every township and village that has none


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # one Argon2 hash for every demo account: they share the documented demo password anyway
    from marketplace.accounts.services import hash_password

    return hash_password(DEMO_PASSWORD)


def _user(email: str | None, name: str, roles=(), mobile: str | None = None) -> User:
    mobile = mobile or DEMO_MOBILES.get(email or "")
    if email:
        user = db.session.scalar(sa.select(User).where(User.email == email))
    else:
        user = db.session.scalar(sa.select(User).where(User.mobile == mobile))
    if user is not None and mobile and user.mobile is None and db.session.scalar(
            sa.select(User.id).where(User.mobile == mobile)) is None:
        user.mobile = mobile  # a demo loaded before sign-in by phone existed
    if user is None:
        from marketplace.accounts.passwords import UNUSABLE_PASSWORD
        from marketplace.privacy.consent import SOURCE_REGISTER
        from marketplace.privacy.models import ConsentRecord

        user = User(email=email, mobile=mobile, name=name, locale="zh_CN",
                    password_hash=_password_hash() if email else UNUSABLE_PASSWORD)
        db.session.add(user)
        db.session.flush()
        # a demo account signed up as anyone does: with the policy accepted (no banner on the demo)
        db.session.add(ConsentRecord(user_id=user.id, policy_version=current_app.config["POLICY_VERSION"],
                                     source=SOURCE_REGISTER))
    for role in roles:
        if user.grant(role) is None:
            user.roles.append(UserRole(role=Role(role)))
    return user


def days_ago(days: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=days)


@atomic()
def seed_demo_users(progress: Progress) -> None:
    # signed up over the last half year (the admin's figures of new buyers by day have a history)
    for n, (email, name, roles) in enumerate(DEMO_USERS):
        with at_time(days_ago(200 - 17 * n)):
            _user(email, name, roles)
        progress(1)
    for n, (mobile, name) in enumerate(PHONE_ONLY_USERS):
        with at_time(days_ago(130 - 9 * n)):
            _user(None, name, mobile=mobile)
        progress(1)
    from marketplace.regions.demo_columns import seed_clerk_village

    db.session.flush()
    seed_clerk_village()  # the village clerk's grant, his column and its photo


def _region(county: str, township: str | None = None) -> Region:
    region = db.session.scalar(sa.select(Region).where(Region.name == county, Region.level == RegionLevel.COUNTY))
    if region is None:
        raise click.ClickException(f"Region {county} is not in {current_app.config['CITY_REGIONS_FILE']}.")
    if township:
        child = db.session.scalar(sa.select(Region).where(Region.parent_id == region.id, Region.name == township))
        region = child or region
    return region


def _licence_number(spec: dict) -> str:
    from marketplace.shops.validation import uscc_check_char

    county = _region(spec["county"]).code[:6]
    first17 = f"9{spec['kind']}{county}MA{spec['org']}"
    return first17 + uscc_check_char(first17)


def _shop(spec: dict, status: ShopStatus, admin: User) -> Shop:
    shop = db.session.scalar(sa.select(Shop).where(Shop.slug == spec["slug"]))
    if shop is None:
        owner = _user(*spec["owner"])
        db.session.flush()
        now = utcnow()
        shop = Shop(slug=spec["slug"], name=spec["name"], shop_type=ShopType(spec["shop_type"]), status=status,
                    region=_region(spec["county"], spec.get("township")), address=spec["address"],
                    phone=spec["phone"], market_name=spec.get("market_name"),
                    stall_number=spec.get("stall_number"), licence_number=_licence_number(spec),
                    description=spec["description"],
                    approved_at=now if status == ShopStatus.APPROVED else None)
        shop.members.append(ShopMember(user=owner, role=MemberRole.OWNER))
        db.session.add(shop)
        db.session.flush()
        db.session.add(ShopStatusChange(shop_id=shop.id, from_status=None, to_status=ShopStatus.PENDING,
                                        actor_id=owner.id))
        if status == ShopStatus.APPROVED:
            db.session.add(ShopStatusChange(shop_id=shop.id, from_status=ShopStatus.PENDING,
                                            to_status=ShopStatus.APPROVED, actor_id=admin.id))
    _store_images(shop, spec["colour"])
    return shop


@atomic()
def seed_demo_shops(progress: Progress) -> None:
    admin = _user(ADMIN_EMAIL, "平台管理员", ("admin",))
    db.session.flush()
    for n, spec in enumerate(DEMO_SHOPS):  # opened over the last half year, the pending one this week
        with at_time(days_ago(180 - 6 * n)):
            _shop(spec, ShopStatus.APPROVED, admin)
        progress(1)
    with at_time(days_ago(2)):
        _shop(PENDING_SHOP, ShopStatus.PENDING, admin)
    progress(1)


#: Steps every other step needs: not offered by ``--without``.
CORE_STEPS = ("regions", "accounts", "shops")


def seed_demo(show_progress: bool = True, without: tuple[str, ...] = ()) -> list[tuple[str, object]]:
    """Run every seed step in order, each in its own transaction; every step is safe to repeat.

    The steps are the registered domains' (marketplace.domains), in their order; ``without``
    names domains to leave out (e.g. "catalog"). Returns (step, what the step returned) for each
    step: a step may return a dict of counts.
    """
    steps = [(name, func) for name, func in seed_steps(current_app) if name not in without]
    progress = Progress()
    results = []
    with click.progressbar(steps, label="Seeding the demo", item_show_func=progress.label,
                           file=sys.stderr if show_progress else io.StringIO()) as bar:
        progress.bar = bar
        for name, func in bar:
            progress.step, progress.count = name, 0
            with atomic():
                results.append((name, func(progress)))
    return results


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """(e-mail, mobile, role, shop) of every demo account, for the closing table ("-": none)."""
    rows = []
    for email, _name, roles in DEMO_USERS:
        role = ", ".join(roles) or DEMO_SCOPED_ROLES.get(email, "buyer")
        rows.append((email, _local(DEMO_MOBILES.get(email)), role, ""))
    for mobile, _name in PHONE_ONLY_USERS:
        rows.append(("-", _local(mobile), "buyer (phone only)", ""))
    for spec in [*DEMO_SHOPS, PENDING_SHOP]:
        suffix = " (pending)" if spec is PENDING_SHOP else ""
        email = spec["owner"][0]
        rows.append((email, _local(DEMO_MOBILES.get(email)), "merchant (owner)", spec["name"] + suffix))
    return rows


def _local(mobile: str | None) -> str:
    return mobile.removeprefix("+86") if mobile else "-"


def print_accounts(echo: Callable[[str], None] = click.echo) -> None:
    rows = demo_accounts()
    width = max(len(r[0]) for r in rows)
    echo("")
    echo(f"Demo accounts (every e-mail account's password: {DEMO_PASSWORD})")
    echo(f"{'e-mail':{width}}  {'mobile':11}  {'role':18}  shop")
    for email, mobile, role, shop in rows:
        echo(f"{email:{width}}  {mobile:11}  {role:18}  {shop}")
    echo("")
    echo(f"Sign in by phone: {DEMO_URL}/account/phone/login with a mobile number above. No SMS is sent")
    echo(f"(SMS_PROVIDER=outbox): read the code at {DEMO_URL}/admin/outbox as {ADMIN_EMAIL}, or in the server's log.")
    echo(f"Open {DEMO_URL}  (admin pages: {DEMO_URL}/admin)")


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True,
                  help="Do nothing when the demo admin already exists (used by `make run` on every start).")
    @click.option("--without", multiple=True,
                  type=click.Choice([name for name, _step in seed_steps(app) if name not in CORE_STEPS]),
                  help="Leave out another domain's demo data (repeatable), e.g. --without catalog.")
    def seed_demo_command(if_empty: bool, without: tuple[str, ...]) -> None:
        """Load the Shangqiu demo: regions, accounts, shops (and products, projects). Idempotent."""
        if if_empty and db.session.scalar(sa.select(User.id).where(User.email == ADMIN_EMAIL)) is not None:
            click.echo(f"Demo data already present ({ADMIN_EMAIL} exists): nothing to do.")
            click.echo(f"Open {DEMO_URL}  (every demo password: {DEMO_PASSWORD})")
            return
        for step, result in seed_demo(without=without):
            if isinstance(result, dict) and result:
                click.echo(f"{step}: " + ", ".join(f"{k} {v}" for k, v in result.items()))
        print_accounts()
