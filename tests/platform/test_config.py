"""A wrong setting stops the start with one line that names it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from decant.platform.config import ConfigError, load_settings

BAD = [
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL"),
    ({"DECANT_ENV": "staging"}, "DECANT_ENV"),
    ({"DECANT_ENV": "production"}, "DECANT_SECRET_KEY"),
    ({"DECANT_ENV": "production", "DECANT_SECRET_KEY": "short"}, "DECANT_SECRET_KEY"),
    ({"DECANT_CURRENCY": "EURO"}, "DECANT_CURRENCY"),
    ({"DECANT_TRUSTED_PROXIES": "10.0.0.0/8,not-an-ip"}, "DECANT_TRUSTED_PROXIES"),
    ({"DECANT_ORDER_EXPIRY_MINUTES": "soon"}, "DECANT_ORDER_EXPIRY_MINUTES"),
    ({"DECANT_ORDER_EXPIRY_MINUTES": "0"}, "DECANT_ORDER_EXPIRY_MINUTES"),
    ({"DECANT_BASE_URL": "shop.example.com"}, "DECANT_BASE_URL"),
    ({"STRIPE_API_BASE": "localhost:12111"}, "STRIPE_API_BASE"),
    ({"SMTP_URL": "mail.example.com"}, "SMTP_URL"),
    ({"REDIS_CACHE_URL": "http://x"}, "REDIS_CACHE_URL"),
    ({"DECANT_DEMO_PAYMENTS": "maybe"}, "DECANT_DEMO_PAYMENTS"),
    (
        {"DECANT_ENV": "production", "DECANT_SECRET_KEY": "x" * 40, "DECANT_DEMO_PAYMENTS": "1"},
        "DECANT_DEMO_PAYMENTS",
    ),
    ({"DECANT_MAX_UNITS_PER_LINE": "0"}, "DECANT_MAX_UNITS_PER_LINE"),
    ({"DECANT_MAX_UNPAID_ORDERS": "many"}, "DECANT_MAX_UNPAID_ORDERS"),
    ({"DECANT_BACKUP_AT": "3:15"}, "DECANT_BACKUP_AT"),
    ({"DECANT_BACKUP_AT": "24:00"}, "DECANT_BACKUP_AT"),
    ({"DECANT_BACKUP_AT": "03:15 UTC"}, "DECANT_BACKUP_AT"),
    ({"DECANT_OWNER_EMAIL": "owner at shop"}, "DECANT_OWNER_EMAIL"),
    ({"DECANT_ALERT_WEBHOOK_URL": "hooks.slack.com/x"}, "DECANT_ALERT_WEBHOOK_URL"),
    ({"DECANT_NOTIFY_PAID_ORDERS": "sometimes"}, "DECANT_NOTIFY_PAID_ORDERS"),
]


def test_new_settings_have_the_contract_defaults(monkeypatch):
    for name in ("DECANT_DEMO_PAYMENTS", "DECANT_MAX_UNITS_PER_LINE", "DECANT_MAX_UNPAID_ORDERS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.demo_payments is False
    assert (settings.max_units_per_line, settings.max_unpaid_orders) == (5, 3)
    assert load_settings(_env_file=None, DECANT_DEMO_PAYMENTS="").demo_payments is False


def test_owner_settings_default_to_nobody_told_and_a_backup_at_0315(monkeypatch):
    for name in ("DECANT_OWNER_EMAIL", "DECANT_ALERT_WEBHOOK_URL", "DECANT_NOTIFY_PAID_ORDERS",
                 "DECANT_BACKUP_AT"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert (settings.owner_email, settings.alert_webhook_url) == (None, None)
    assert (settings.notify_paid_orders, settings.backup_at) == (False, "03:15")
    assert load_settings(_env_file=None, DECANT_BACKUP_AT="23:05").backup_at == "23:05"


@pytest.mark.parametrize(("env", "name"), BAD)
def test_each_bad_value_gives_one_line_naming_the_setting(monkeypatch, env, name):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert name in message and "\n" not in message


def test_the_command_stops_with_that_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "decant.cli", "migrate"],
        env={"DECANT_ENV": "production", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "DECANT_SECRET_KEY" in result.stderr


def test_defaults_follow_the_contract(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.currency == "EUR"
    assert settings.order_expiry_minutes == 30
    assert str(settings.data_dir) == "var" and str(settings.public_dir) == "public"
    assert settings.env == "development"
