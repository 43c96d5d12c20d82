"""Sending what `decant.mail.composing` queued: Resend, else SMTP, else `.eml` files on disk.

Rows are leased (decant.mail.delivery_leases), so several workers never take the same
e-mail, and one that died mid-send gives its rows back when the lease runs out. A crash
between "sent" and "marked sent" then sends again — which Resend turns into a no-op
because every request carries the row's dedupe key as its Idempotency-Key. SMTP has no
such key; its Message-ID is derived from the dedupe key so mail clients fold a repeat.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import requests

from decant.mail.delivery_leases import LeasedOutbox
from decant.platform.config import Settings

log = logging.getLogger("decant.outbox")

SEND_TIMEOUT_SECONDS = 15
EMAILS = LeasedOutbox("email_outbox", ("kind", "to_address", "subject", "html_body", "text_body"))


class DeliveryFailed(Exception):
    """No transport took the message this time; it is retried later."""


class SmtpWithoutTls(smtplib.SMTPException):
    """SMTP_URL has credentials but the server offers no STARTTLS on smtp://: logging
    in would send the password in clear, so nothing is sent at all."""


def send_due(conn: psycopg.Connection, settings: Settings, *, limit: int = 50) -> int:
    """Send the e-mails that are due; return how many were sent this round."""
    sent = 0
    for row in EMAILS.claim_due(conn, limit=limit):
        try:
            provider, message_id = deliver(row, settings)
        except DeliveryFailed as exc:
            _retry_later(conn, row, str(exc))
            continue
        _mark_sent(conn, row["id"], provider, message_id)
        sent += 1
    return sent


def deliver(row: dict[str, Any], settings: Settings) -> tuple[str, str]:
    """Hand one message to the first transport that takes it: (transport, message id)."""
    failures = []
    if settings.resend_api_key:
        try:
            return "resend", _send_resend(row, settings)
        except (requests.RequestException, DeliveryFailed, ValueError) as exc:
            failures.append(f"resend: {exc}")
    if settings.smtp_url:
        try:
            return "smtp", _send_smtp(row, settings)
        except (OSError, smtplib.SMTPException) as exc:
            failures.append(f"smtp: {type(exc).__name__}: {exc}")
    if not settings.resend_api_key and not settings.smtp_url:
        return "file", _write_eml(row, settings)
    raise DeliveryFailed("; ".join(failures)[:1000])


def _send_resend(row: dict[str, Any], settings: Settings) -> str:
    response = requests.post(
        f"{settings.resend_api_base}/emails",
        json={
            "from": settings.mail_from,
            "to": [row["to_address"]],
            "subject": row["subject"],
            "html": row["html_body"],
            "text": row["text_body"],
        },
        headers={
            "Authorization": f"Bearer {settings.resend_api_key}",
            "Idempotency-Key": row["dedupe_key"],
        },
        timeout=SEND_TIMEOUT_SECONDS,
    )
    if response.status_code >= 300:
        raise DeliveryFailed(f"answered {response.status_code}: {response.text[:200]}")
    return str(response.json().get("id", ""))


def message_id(row: dict[str, Any], settings: Settings) -> str:
    """The same Message-ID for every attempt at one outbox row."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "decant.localhost"
    local = re.sub(r"[^A-Za-z0-9.-]", "-", row["dedupe_key"])
    return f"<{local}@{domain}>"


def build_message(row: dict[str, Any], settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(row, settings)
    message.set_content(row["text_body"])
    message.add_alternative(row["html_body"], subtype="html")
    return message


def _send_smtp(row: dict[str, Any], settings: Settings) -> str:
    url = urlsplit(settings.smtp_url or "")
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 25)
    message = build_message(row, settings)
    client: smtplib.SMTP
    if secure:
        client = smtplib.SMTP_SSL(
            url.hostname or "localhost",
            port,
            timeout=SEND_TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(url.hostname or "localhost", port, timeout=SEND_TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if not secure and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        elif not secure and (url.username or url.password):
            raise SmtpWithoutTls(
                f"{url.hostname} offers no STARTTLS; refusing to send SMTP credentials"
                " in clear (use smtps:// or a server with STARTTLS)"
            )
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)
    return message["Message-ID"]


def _write_eml(row: dict[str, Any], settings: Settings) -> str:
    """No transport configured (a fresh machine): the message lands in var/mail/.
    The name comes from the dedupe key, so writing it again replaces it."""
    folder = Path(settings.data_dir) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9.-]", "-", row["dedupe_key"]) + ".eml"
    message = build_message(row, settings)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".sending-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    os.replace(tmp, folder / name)
    return str(folder / name)


def _mark_sent(conn: psycopg.Connection, outbox_id: int, provider: str, provider_id: str) -> None:
    EMAILS.mark_sent(conn, outbox_id, provider=provider, provider_message_id=provider_id)


def _retry_later(conn: psycopg.Connection, row: dict[str, Any], error: str) -> None:
    log.warning("e-mail %s not sent (attempt %s): %s", row["dedupe_key"], row["attempts"], error)
    EMAILS.retry_later(conn, row, error)
