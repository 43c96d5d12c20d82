"""The shop's e-mails: rendered from Jinja2 templates, queued in the Postgres outbox.

`enqueue` only writes a row, in the caller's transaction, so an e-mail exists if and
only if the change that caused it was committed. The dedupe key makes a second
enqueue for the same thing a no-op (a webhook delivered twice, a retried request).
Sending is `decant.mail.outbox`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from decant.money import format_money as money  # mail's name for it
from decant.orders import placing
from decant.platform.config import ConfigError, load_settings

KINDS = ("confirmation", "shipped", "refunded")
SUBJECTS = {
    "confirmation": "Your Decant order {number} is confirmed",
    "shipped": "Your Decant order {number} is on its way",
    "refunded": "Your Decant order {number} has been refunded",
}
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


_templates = Environment(
    loader=PackageLoader("decant.mail.composing", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=False,
    keep_trailing_newline=True,
)
_templates.filters["money"] = money


@dataclass(frozen=True)
class Message:
    kind: str
    to_address: str
    subject: str
    html_body: str
    text_body: str


def _base_url() -> str:
    try:
        return load_settings().base_url
    except ConfigError:
        return DEFAULT_BASE_URL


def render(kind: str, order: dict[str, Any], *, base_url: str | None = None) -> Message:
    """The e-mail of `kind` for this order (with its items), HTML and plain text."""
    if kind not in KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    context = {
        "order": order,
        "subject": SUBJECTS[kind].format(number=order["order_number"]),
        "track_url": f"{(base_url or _base_url()).rstrip('/')}/track/",
        "demo": order.get("payment_provider") == "demo",
    }
    return Message(
        kind=kind,
        to_address=order["email"],
        subject=context["subject"],
        html_body=_templates.get_template(f"{kind}.html").render(context),
        text_body=_templates.get_template(f"{kind}.txt").render(context),
    )


def dedupe_key(kind: str, order: dict[str, Any]) -> str:
    """One e-mail per order and kind; refunds once per refunded total, so a second
    partial refund is told too, but the same refund seen twice is not."""
    if kind == "refunded":
        return f"order:{order['id']}:refunded:{order['refunded_cents']}"
    return f"order:{order['id']}:{kind}"


def enqueue(
    conn: psycopg.Connection,
    kind: str,
    order: dict[str, Any] | int,
    *,
    base_url: str | None = None,
) -> bool:
    """Queue the e-mail in the caller's transaction; False when it was queued before.

    `order` is an order dict or id; it is read again here so the e-mail shows the
    state this transaction is committing.
    """
    order_id = order if isinstance(order, int) else order["id"]
    current = placing.get_order(conn, order_id)
    message = render(kind, current, base_url=base_url)
    row = conn.execute(
        "INSERT INTO email_outbox (order_id, kind, dedupe_key, to_address, subject,"
        " html_body, text_body) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (
            order_id,
            kind,
            dedupe_key(kind, current),
            message.to_address,
            message.subject,
            message.html_body,
            message.text_body,
        ),
    ).fetchone()
    return row is not None


def compose(
    template: str, to_address: str, subject: str, context: dict[str, Any], *, kind: str
) -> Message:
    """An e-mail that is not about an order (a stock alert): `template`.html and .txt."""
    context = {**context, "subject": subject}
    return Message(
        kind=kind,
        to_address=to_address,
        subject=subject,
        html_body=_templates.get_template(f"{template}.html").render(context),
        text_body=_templates.get_template(f"{template}.txt").render(context),
    )


def site_url(base_url: str | None = None) -> str:
    """The shop's address for links in e-mails, without a trailing slash."""
    return (base_url or _base_url()).rstrip("/")


def enqueue_many(conn: psycopg.Connection, messages: list[tuple[str, Message]]) -> None:
    """Queue (dedupe key, message) pairs in the caller's transaction, in one round trip
    per batch; a key queued before is skipped."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO email_outbox (kind, dedupe_key, to_address, subject, html_body,"
            " text_body) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (dedupe_key) DO NOTHING",
            [
                (m.kind, key, m.to_address, m.subject, m.html_body, m.text_body)
                for key, m in messages
            ],
        )
