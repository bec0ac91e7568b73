"""Configuration from the environment.

Everything a deployment changes comes from environment variables; create_app(config) may override
any key (the tests do). Development needs none of them: SQLite, media and the search index live in
the data folder, and a secret key is generated there on first run. Production refuses to start
without a real SECRET_KEY and without its public address (MARKETPLACE_PUBLIC_BASE_URL), from which
every link in mail is built and whose host is the only one it answers (TRUSTED_HOSTS).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


#: The address ``make run`` (``flask run``) serves by default: a developer's mailed links point there.
DEV_BASE_URL = "http://127.0.0.1:5000"
BASE_URL_EXAMPLE = "MARKETPLACE_PUBLIC_BASE_URL=https://market.example.com"


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    """An on/off environment variable (1/true/yes/on); unset or empty: ``default``."""
    return _bool(os.environ.get(name), default)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def host_list(value) -> list[str]:
    """Host names from a comma-separated string (or a list), lower-cased, blanks dropped."""
    if isinstance(value, str):
        value = value.split(",")
    return [h.strip().lower() for h in value or () if h and h.strip()]


def normalise_base_url(url: str | None, *, production: bool) -> str:
    """The site's public address as ``scheme://host[:port][/path]`` without a trailing slash.

    Every absolute link (mail, exports, the API's ``url`` fields) is built from it and never from
    a request's Host header, which the client chooses. Raises ConfigError saying what to set.
    """
    raw = (url or "").strip()
    try:
        parts = urlsplit(raw)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or not port_ok or parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "is not an http(s) address with a host name"
    elif parts.query or parts.fragment or parts.username or parts.password:
        problem = "must not carry a user name, password, query or fragment"
    elif production and parts.scheme != "https":
        problem = "must be https in production (cookies are Secure there)"
    else:
        return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    raise ConfigError(f"MARKETPLACE_PUBLIC_BASE_URL={raw!r} {problem}: set it to the site's public address, "
                      f"e.g. {BASE_URL_EXAMPLE}")


def _public_address(cfg: dict, overrides: dict, production: bool) -> None:
    """PUBLIC_BASE_URL checked (required in production) and TRUSTED_HOSTS derived from it."""
    base = cfg.get("PUBLIC_BASE_URL")
    if not base:
        if production:
            raise ConfigError("MARKETPLACE_PUBLIC_BASE_URL is not set. Production builds every link in e-mails "
                              "from it and answers only its host (and MARKETPLACE_EXTRA_HOSTS): set it to the "
                              f"site's public address, e.g. {BASE_URL_EXAMPLE} (it replaces SERVER_NAME and "
                              "PREFERRED_URL_SCHEME).")
        base = DEV_BASE_URL
    cfg["PUBLIC_BASE_URL"] = normalise_base_url(base, production=production)
    cfg["EXTRA_HOSTS"] = host_list(cfg.get("EXTRA_HOSTS"))
    if "TRUSTED_HOSTS" not in overrides:
        # Production answers a foreign Host with 400 (Flask checks it for every request); development
        # answers any host, so localhost, 127.0.0.1 and a LAN address all work for `make run`.
        hosts = [urlsplit(cfg["PUBLIC_BASE_URL"]).hostname, *cfg["EXTRA_HOSTS"]]
        cfg["TRUSTED_HOSTS"] = list(dict.fromkeys(hosts)) if production else None


def _dev_secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the configuration dict: defaults, then the environment, then overrides."""
    env = os.environ
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("DATA_DIR") or env.get("MARKETPLACE_DATA_DIR") or instance_path)
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = overrides.get("ENV") or env.get("MARKETPLACE_ENV", "development")
    redis_url = overrides.get("REDIS_URL", env.get("REDIS_URL") or None)
    ping_idle = float(env.get("DATABASE_PING_IDLE_SECONDS", "10"))

    cfg: dict = {
        "ENV": environment,
        "DATA_DIR": str(data_dir),
        "MEDIA_DIR": str(data_dir / "media"),
        #: Where uploads live (marketplace.storage): "filesystem" (MEDIA_DIR, one machine) or "s3" (an
        #: S3-compatible bucket, several machines; credentials from boto3's AWS_* environment).
        "MEDIA_STORAGE": env.get("MEDIA_STORAGE", "filesystem"),
        "MEDIA_S3_BUCKET": env.get("MEDIA_S3_BUCKET") or None,
        "MEDIA_S3_ENDPOINT_URL": env.get("MEDIA_S3_ENDPOINT_URL") or None,
        #: s3: public photos linked straight from the bucket or a CDN in front of it ("" to serve them
        #: through the app, cached for a year).
        "MEDIA_PUBLIC_BASE_URL": env.get("MEDIA_PUBLIC_BASE_URL") or None,
        "SEARCH_INDEX_DIR": str(data_dir / "search-index"),
        #: The search engine (search.backend): "whoosh" (an index per machine, the default) or "postgres"
        #: (documents in the PostgreSQL database, any number of machines).
        "SEARCH_BACKEND": env.get("SEARCH_BACKEND", "whoosh"),
        #: whoosh: this machine's name in the change queue (default: an id kept in SEARCH_INDEX_DIR).
        "SEARCH_NODE": env.get("SEARCH_NODE") or None,
        #: whoosh: a machine unseen this many days is forgotten with its queued changes.
        "SEARCH_NODE_EXPIRY_DAYS": float(env.get("SEARCH_NODE_EXPIRY_DAYS", "7")),
        #: postgres: seconds a worker keeps a word's document count (the idf) before counting again.
        "SEARCH_COUNT_TTL": float(env.get("SEARCH_COUNT_TTL", "60")),
        #: postgres: read a ranking's top tier from the RUM index when the database has it (0: never).
        #: whoosh rebuild: writer processes silent this long are killed and the rebuild goes on in one process.
        "SEARCH_REBUILD_STALL_SECONDS": float(env.get("SEARCH_REBUILD_STALL_SECONDS", "120")),
        "SEARCH_RUM": env.get("SEARCH_RUM", "1").lower() not in ("0", "false", "no", "off"),
        #: postgres: seconds between a worker's looks for words new to the index (pinyin read as them).
        "SEARCH_VOCABULARY_TTL": float(env.get("SEARCH_VOCABULARY_TTL", "5")),
        #: postgres: facets are counted over at most this many matches, then scaled and shown as
        #: estimates (0: always exact).
        "SEARCH_FACET_SAMPLE": int(env.get("SEARCH_FACET_SAMPLE", "1000")),
        "SITE_NAME": env.get("MARKETPLACE_SITE_NAME", "商丘本地集市"),
        #: The city the site serves, down to villages (one file per city; its top region is "the city").
        "CITY_REGIONS_FILE": env.get(
            "MARKETPLACE_REGIONS_FILE", str(ROOT / "marketplace" / "data" / "regions" / "shangqiu.json")
        ),
        #: The rest of the country to county level, for addresses and delivery zones ("" for none).
        "COUNTRY_REGIONS_FILE": env.get(
            "MARKETPLACE_COUNTRY_REGIONS_FILE", str(ROOT / "marketplace" / "data" / "regions" / "china.json")
        ),
        "CURRENCY": env.get("MARKETPLACE_CURRENCY", "CNY"),
        "BABEL_DEFAULT_LOCALE": env.get("MARKETPLACE_DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": env.get("MARKETPLACE_TIMEZONE", "Asia/Shanghai"),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'marketplace.db'}"
        ),
        # A pooled connection is pinged before use only after this many idle seconds (0: before
        # every use, i.e. pool_pre_ping; see extensions.ping_when_idle).
        "DATABASE_PING_IDLE_SECONDS": ping_idle,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": ping_idle <= 0},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in this process's memory and log a warning, never a 500 on login,
        # register, reset or inquiry forms (Flask-Limiter's documented fallback).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_LOGIN": env.get("MARKETPLACE_RATELIMIT_LOGIN", "10 per minute;50 per hour"),
        # Forms carry a CSRF token; JSON writes with a session need the X-CSRFToken header.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_CHECK_DEFAULT": False,  # marketplace.security decides (API tokens skip it)
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
        "UPLOAD_IMAGE_MAX_BYTES": 10 * 1024 * 1024,
        "UPLOAD_IMAGE_MAX_PIXELS": 40_000_000,
        # The decoding one CSV import may cause (catalog.zipimages): images, and their pixels together.
        "CSV_IMPORT_MAX_IMAGES": int(env.get("MARKETPLACE_CSV_IMPORT_MAX_IMAGES", "100")),
        "CSV_IMPORT_MAX_PIXELS": int(env.get("MARKETPLACE_CSV_IMPORT_MAX_PIXELS", "150000000")),
        "PASSWORD_RESET_MAX_AGE": 60 * 60,
        "INVITE_MAX_AGE_DAYS": 7,
        # Argon2id; tests lower the cost so the suite stays quick.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 64 * 1024,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), True),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL"), False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "noreply@marketplace.local"),
        "MAIL_SEND_AFTER_REQUEST": _bool(env.get("MAIL_SEND_AFTER_REQUEST"), True),
        #: The site's public address: every absolute link is built from it (marketplace.web.absolute_url).
        "PUBLIC_BASE_URL": env.get("MARKETPLACE_PUBLIC_BASE_URL") or None,
        #: Other host names production answers besides PUBLIC_BASE_URL's (".example.com": subdomains too).
        "EXTRA_HOSTS": host_list(env.get("MARKETPLACE_EXTRA_HOSTS")),
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0 = none).
        "TRUSTED_PROXIES": int(env.get("MARKETPLACE_TRUSTED_PROXIES", "0")),
        "RATELIMIT_REGISTER": env.get("MARKETPLACE_RATELIMIT_REGISTER", "5 per minute;30 per hour"),
        "RATELIMIT_RESET": env.get("MARKETPLACE_RATELIMIT_RESET", "5 per minute;20 per hour"),
        # Codes sent by SMS (marketplace.accounts.phone_auth) and the provider (marketplace.mail.sms_providers):
        # "outbox" keeps messages on /admin/outbox and in the log (development); "aliyun" sends them.
        "SMS_PROVIDER": env.get("SMS_PROVIDER", "outbox"),
        "SMS_ACCESS_KEY_ID": env.get("SMS_ACCESS_KEY_ID") or None,
        "SMS_ACCESS_KEY_SECRET": env.get("SMS_ACCESS_KEY_SECRET") or None,
        "SMS_SIGN_NAME": env.get("SMS_SIGN_NAME") or None,
        "SMS_TEMPLATE_CODE": env.get("SMS_TEMPLATE_CODE") or None,
        "SMS_ENDPOINT": env.get("SMS_ENDPOINT") or None,
        "SMS_TIMEOUT_SECONDS": float(env.get("SMS_TIMEOUT_SECONDS", "10")),
        "SMS_CODE_TTL_SECONDS": int(env.get("SMS_CODE_TTL_SECONDS", "300")),
        "SMS_CODE_MAX_ATTEMPTS": int(env.get("SMS_CODE_MAX_ATTEMPTS", "5")),
        # a message not sent within this long is given up (its code has expired by then)
        "SMS_MAX_AGE_SECONDS": int(env.get("SMS_CODE_TTL_SECONDS", "300")),
        #: Notices to accounts with only a mobile number (order paid, shipped ...): how long one is
        #: worth sending, and each notice's approved provider template ("order_paid=SMS_1,...";
        #: with SMS_PROVIDER=aliyun a notice without one is not sent).
        "SMS_NOTICE_MAX_AGE_SECONDS": int(env.get("SMS_NOTICE_MAX_AGE_SECONDS", "86400")),
        "SMS_NOTICE_TEMPLATES": dict(part.strip().split("=", 1) for part in env.get("SMS_NOTICE_TEMPLATES", "").split(",")
                                     if "=" in part),
        "SMS_MAX_ATTEMPTS": 5,
        "SMS_RETRY_BASE_SECONDS": 10,
        # per number (the first limit is the resend cooldown) and per client address, over every purpose
        "RATELIMIT_SMS_PHONE": env.get("MARKETPLACE_RATELIMIT_SMS_PHONE", "1 per minute;10 per day"),
        "RATELIMIT_SMS_IP": env.get("MARKETPLACE_RATELIMIT_SMS_IP", "5 per minute;30 per day"),
        # Payments: with no Stripe keys, Stripe is off and only the offline methods are offered.
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        #: The Stripe API's address (tests and demos point it at localstripe); None: Stripe's own.
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        #: Connect endpoints (accounts, account links, transfers); None: the same as STRIPE_API_BASE.
        "STRIPE_CONNECT_API_BASE": env.get("STRIPE_CONNECT_API_BASE") or None,
        "STRIPE_JS_URL": env.get("STRIPE_JS_URL") or "https://js.stripe.com/v3/",
        #: Stripe payment method types offered (e.g. "card,alipay,wechat_pay" where the account has them).
        "STRIPE_PAYMENT_METHODS": [m.strip() for m in env.get("STRIPE_PAYMENT_METHODS", "card").split(",") if m.strip()],
        # WeChat Pay API v3 and Alipay: each offered only when all of its settings are present. The
        # platform's public key (WECHATPAY_PUBLIC_KEY_PATH + _ID) or its certificates' folder
        # (WECHATPAY_CERT_DIR) verify WeChat Pay's answers and notifications; *_API_BASE points the SDKs
        # elsewhere (tests, sandboxes).
        **{name: env.get(name) or None for name in (
            "WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_APIV3_KEY", "WECHATPAY_CERT_SERIAL",
            "WECHATPAY_PRIVATE_KEY_PATH", "WECHATPAY_PUBLIC_KEY_PATH", "WECHATPAY_PUBLIC_KEY_ID",
            "WECHATPAY_CERT_DIR", "WECHATPAY_API_BASE",
            # JSAPI inside WeChat: the official account's AppSecret (网页授权 gives the payer's openid)
            "WECHAT_MP_SECRET", "WECHAT_OAUTH_AUTHORIZE_URL", "WECHAT_OAUTH_API_BASE",
            "ALIPAY_APPID", "ALIPAY_PRIVATE_KEY_PATH", "ALIPAY_PUBLIC_KEY_PATH", "ALIPAY_GATEWAY_URL")},
        #: The platform's commission in basis points (1/100 %) unless a shop or category has its own rate.
        "PLATFORM_COMMISSION_BPS": int(env.get("PLATFORM_COMMISSION_BPS", "500")),
        #: Whole-page cache of public catalogue pages for anonymous visitors (marketplace.page_cache):
        #: seconds a page may be served from it (0 = off). On by default in production only, so a
        #: developer's template edit shows at once.
        "PAGE_CACHE_SECONDS": max(0, int(env.get("MARKETPLACE_PAGE_CACHE_SECONDS",
                                                 "30" if environment == "production" else "0"))),
        #: Pages kept per worker when there is no Redis (Redis keeps them shared, with the same expiry).
        "PAGE_CACHE_ENTRIES": int(env.get("MARKETPLACE_PAGE_CACHE_ENTRIES", "300")),
        #: Rendered product cards kept per worker (catalog.cards.CardHtml; 0 keeps none).
        "CATALOG_CARD_CACHE_SIZE": max(0, int(env.get("MARKETPLACE_CATALOG_CARD_CACHE_SIZE", "10000"))),
        #: Tests only (marketplace.faults): the named crash point at which this process dies at once.
        "CRASH_AT": env.get("MARKETPLACE_CRASH_AT") or None,
    }
    if environment == "production":
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
    cfg.update(overrides)

    if environment == "production" and cfg.get("CRASH_AT"):
        raise ConfigError("MARKETPLACE_CRASH_AT is a test switch (it kills the process on purpose): unset it.")
    secret = cfg.get("SECRET_KEY") or env.get("SECRET_KEY")
    if environment == "production":
        dev_file = data_dir / "secret_key"
        if not secret:
            raise ConfigError("SECRET_KEY is not set. Production needs a long random SECRET_KEY in the environment "
                              "(e.g. python -c 'import secrets; print(secrets.token_hex(32))').")
        if (dev_file.exists() and dev_file.read_text().strip() == secret) or len(secret) < 24:
            raise ConfigError("SECRET_KEY is the development key or too short: set a new random one "
                              "of at least 24 characters for production.")
    elif not secret:
        secret = _dev_secret_key(data_dir)
    cfg["SECRET_KEY"] = secret
    _public_address(cfg, overrides, environment == "production")
    return cfg
