"""Settings from the environment (and `.env`), checked once at start.

A wrong value must stop the start with one line that names the setting, so an
operator never has to read a traceback to find a typo.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "database_replica_url": "DATABASE_REPLICA_URL",
    "redis_url": "REDIS_URL",
    "data_dir": "DECANT_DATA_DIR",
    "env": "DECANT_ENV",
    "secret_key": "DECANT_SECRET_KEY",
    "public_dir": "DECANT_PUBLIC_DIR",
    "base_url": "DECANT_BASE_URL",
    "stripe_secret_key": "STRIPE_SECRET_KEY",
    "stripe_publishable_key": "STRIPE_PUBLISHABLE_KEY",
    "stripe_webhook_secret": "STRIPE_WEBHOOK_SECRET",
    "stripe_api_base": "STRIPE_API_BASE",
    "resend_api_key": "RESEND_API_KEY",
    "resend_api_base": "RESEND_API_BASE",
    "mail_from": "MAIL_FROM",
    "smtp_url": "SMTP_URL",
    "s3_bucket": "S3_BUCKET",
    "s3_endpoint_url": "S3_ENDPOINT_URL",
    "s3_site_bucket": "S3_SITE_BUCKET",
    "s3_site_prefix": "S3_SITE_PREFIX",
    "aws_access_key_id": "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "currency": "DECANT_CURRENCY",
    "trusted_proxies": "DECANT_TRUSTED_PROXIES",
    "order_expiry_minutes": "DECANT_ORDER_EXPIRY_MINUTES",
    "demo_payments": "DECANT_DEMO_PAYMENTS",
    "max_units_per_line": "DECANT_MAX_UNITS_PER_LINE",
    "max_unpaid_orders": "DECANT_MAX_UNPAID_ORDERS",
    "redis_cache_url": "REDIS_CACHE_URL",
    "owner_email": "DECANT_OWNER_EMAIL",
    "alert_webhook_url": "DECANT_ALERT_WEBHOOK_URL",
    "notify_paid_orders": "DECANT_NOTIFY_PAID_ORDERS",
    "backup_at": "DECANT_BACKUP_AT",
}


# Key prefixes in S3_BUCKET that hold what publishing must never touch.
RESERVED_PREFIXES = ("backups", "media")


class ConfigError(Exception):
    """A setting is wrong; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )

    database_url: str | None = Field(None, alias="DATABASE_URL")
    database_replica_url: str | None = Field(None, alias="DATABASE_REPLICA_URL")
    redis_url: str | None = Field(None, alias="REDIS_URL")
    redis_cache_url: str | None = Field(None, alias="REDIS_CACHE_URL")
    data_dir: Path = Field(Path("var"), alias="DECANT_DATA_DIR")
    env: Literal["development", "production", "test"] = Field("development", alias="DECANT_ENV")
    secret_key: str | None = Field(None, alias="DECANT_SECRET_KEY")
    public_dir: Path = Field(Path("public"), alias="DECANT_PUBLIC_DIR")
    base_url: str = Field("http://127.0.0.1:8000", alias="DECANT_BASE_URL")
    stripe_secret_key: str | None = Field(None, alias="STRIPE_SECRET_KEY")
    stripe_publishable_key: str | None = Field(None, alias="STRIPE_PUBLISHABLE_KEY")
    stripe_webhook_secret: str | None = Field(None, alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base: str = Field("https://api.stripe.com", alias="STRIPE_API_BASE")
    resend_api_key: str | None = Field(None, alias="RESEND_API_KEY")
    resend_api_base: str = Field("https://api.resend.com", alias="RESEND_API_BASE")
    mail_from: str = Field("Decant <shop@decant.localhost>", alias="MAIL_FROM")
    smtp_url: str | None = Field(None, alias="SMTP_URL")
    s3_bucket: str | None = Field(None, alias="S3_BUCKET")
    s3_endpoint_url: str | None = Field(None, alias="S3_ENDPOINT_URL")
    # Where `decant publish --s3` puts the site (the CDN's origin): its own bucket when
    # set, else S3_BUCKET; always under the prefix, never where backups/ or media/ live.
    s3_site_bucket: str | None = Field(None, alias="S3_SITE_BUCKET")
    s3_site_prefix: str = Field("site/", alias="S3_SITE_PREFIX")
    aws_access_key_id: str | None = Field(None, alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str | None = Field(None, alias="AWS_SECRET_ACCESS_KEY")
    currency: str = Field("EUR", alias="DECANT_CURRENCY")
    trusted_proxies: str = Field("127.0.0.1/32,::1/128", alias="DECANT_TRUSTED_PROXIES")
    order_expiry_minutes: int = Field(30, alias="DECANT_ORDER_EXPIRY_MINUTES", ge=1, le=10080)
    demo_payments: bool = Field(False, alias="DECANT_DEMO_PAYMENTS")
    max_units_per_line: int = Field(5, alias="DECANT_MAX_UNITS_PER_LINE", ge=1, le=100)
    max_unpaid_orders: int = Field(3, alias="DECANT_MAX_UNPAID_ORDERS", ge=1, le=100000)
    # Who hears about the shop: low stock, the daily digest, paid orders when asked for.
    owner_email: str | None = Field(None, alias="DECANT_OWNER_EMAIL")
    alert_webhook_url: str | None = Field(None, alias="DECANT_ALERT_WEBHOOK_URL")
    notify_paid_orders: bool = Field(False, alias="DECANT_NOTIFY_PAID_ORDERS")
    # When the worker takes the daily backup, HH:MM in UTC.
    backup_at: str = Field("03:15", alias="DECANT_BACKUP_AT")

    @field_validator("database_url", "database_replica_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql://")
        return value or None

    @field_validator("redis_url", "redis_cache_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("base_url", "stripe_api_base", "resend_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("must start with smtp:// or smtps://")
        return value or None

    @field_validator("owner_email")
    @classmethod
    def _owner_email(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("must be one e-mail address such as owner@example.com")
        return value or None

    @field_validator("alert_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value or None

    @field_validator("backup_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value.strip())
        if not match:
            raise ValueError("must be a time of day HH:MM in UTC, such as 03:15")
        return match.group(0)

    @field_validator("demo_payments", "notify_paid_orders", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        """`DECANT_DEMO_PAYMENTS=` (left empty, as in .env.example) means off."""
        return False if isinstance(value, str) and not value.strip() else value

    @field_validator("s3_site_bucket")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @field_validator("s3_site_prefix")
    @classmethod
    def _site_prefix(cls, value: str) -> str:
        value = value.strip().lstrip("/")
        if value and not value.endswith("/"):
            value += "/"
        if value.split("/")[0] in RESERVED_PREFIXES:
            raise ValueError(
                f"must not be under {value.split('/')[0]}/ (backups and images live there)"
            )
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("must be a three-letter ISO 4217 code such as EUR")
        return value.upper()

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an address or CIDR range") from None
        return value

    @model_validator(mode="after")
    def _production_needs(self) -> Settings:
        if self.env == "production" and (not self.secret_key or len(self.secret_key) < 32):
            raise ValueError("DECANT_SECRET_KEY: required in production, at least 32 characters")
        if self.env == "production" and self.demo_payments:
            raise ValueError(
                "DECANT_DEMO_PAYMENTS: the demo payment provider takes no money and is"
                " refused when DECANT_ENV=production"
            )
        if not self.s3_site_prefix and self.s3_bucket and self.site_bucket == self.s3_bucket:
            raise ValueError(
                "S3_SITE_PREFIX: may be empty only with S3_SITE_BUCKET, a bucket of the site's own"
            )
        return self

    @property
    def site_bucket(self) -> str | None:
        """The bucket `decant publish --s3` writes the site to (the CDN's origin)."""
        return self.s3_site_bucket or self.s3_bucket

    @property
    def trusted_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        parts = (p.strip() for p in self.trusted_proxies.split(","))
        return [ipaddress.ip_network(p, strict=False) for p in parts if p]

    @property
    def stripe_enabled(self) -> bool:
        return bool(self.stripe_secret_key)

    @property
    def demo_payments_enabled(self) -> bool:
        """The demo provider runs only when asked for, never without Stripe by default."""
        return self.demo_payments and not self.stripe_enabled and not self.is_production

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line per the contract."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        name = ENV_NAMES.get(field, field)
        message = first["msg"].removeprefix("Value error, ")
        if message.startswith(f"{name}:") or not name:
            raise ConfigError(f"setting {message}") from None
        raise ConfigError(f"setting {name}: {message}") from None
