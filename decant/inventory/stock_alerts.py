"""Back-in-stock alerts: "tell me when this size is back", with double opt-in.

A request for a sold-out size makes an unconfirmed row (sql/0076_stock_alerts.sql)
and queues a confirmation e-mail; the token in its link confirms. When a restock
(decant.inventory.stock.restock, or found stock) makes the size available, every confirmed
row for it gets one e-mail, queued in the outbox by the restock's own transaction:
roll the restock back and no alert exists. The row is then marked notified and the
subscription has ended. Rows unconfirmed after 48 hours or not sent after 90 days
are deleted by the worker (delete_expired, from decant.worker).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from decimal import Decimal
from typing import Any

import psycopg

from decant.catalog.reading import ml, units_available
from decant.errors import Conflict, NotFound
from decant.mail import composing

CONFIRM_WITHIN = "48 hours"
WAIT_AT_MOST = "90 days"
TOKEN_BYTES = 24
UNSUBSCRIBE_SLOT = "0stock0alert0token0"  # never a real token: those are 32 url-safe characters

PRODUCT_SIZE_SQL = """
SELECT p.id, p.slug, p.name, p.brand, i.remaining_volume, ps.size_ml
  FROM products p
  JOIN inventory i ON i.product_id = p.id
  LEFT JOIN product_sizes ps ON ps.product_id = p.id AND ps.size_ml = %(size_ml)s AND ps.is_active
 WHERE p.slug = %(slug)s AND p.is_active
"""

# A row that was notified, or left unconfirmed past its time, starts again; one that
# waits is left alone (no second confirmation e-mail).
SUBSCRIBE_SQL = f"""
INSERT INTO stock_alerts (product_id, size_ml, email, token)
VALUES (%(product_id)s, %(size_ml)s, %(email)s, %(token)s)
ON CONFLICT ON CONSTRAINT stock_alerts_one_per_size DO UPDATE
   SET token = EXCLUDED.token, created_at = now(), confirmed_at = NULL, notified_at = NULL
 WHERE stock_alerts.notified_at IS NOT NULL
    OR (stock_alerts.confirmed_at IS NULL
        AND stock_alerts.created_at < now() - interval '{CONFIRM_WITHIN}')
RETURNING id, token, created_at
"""

NOTIFY_SQL = """
UPDATE stock_alerts a
   SET notified_at = now()
  FROM products p
  JOIN inventory i ON i.product_id = p.id
 WHERE a.product_id = %(product_id)s
   AND p.id = a.product_id
   AND p.is_active
   AND a.confirmed_at IS NOT NULL
   AND a.notified_at IS NULL
   AND i.remaining_volume >= a.size_ml
   AND EXISTS (SELECT 1 FROM product_sizes ps
                WHERE ps.product_id = a.product_id AND ps.size_ml = a.size_ml AND ps.is_active)
RETURNING a.id, a.email, a.size_ml, a.token, a.created_at, p.slug, p.name, p.brand
"""


def _alert(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "brand": row["brand"], "size": ml(row["size_ml"])}


def _links(row: dict[str, Any], base_url: str | None) -> dict[str, str]:
    site = composing.site_url(base_url)
    return {
        "confirm_url": f"{site}/stock-alerts/confirm?token={row['token']}",
        "unsubscribe_url": f"{site}/stock-alerts/unsubscribe?token={row['token']}",
        "product_url": f"{site}/products/{row['slug']}/",
    }


def _key(row: dict[str, Any], what: str) -> str:
    """One e-mail of each kind per subscription (a renewed row is a new one)."""
    return f"stock-alert:{row['id']}:{int(row['created_at'].timestamp() * 1000)}:{what}"


def subscribe(
    conn: psycopg.Connection,
    *,
    email: str,
    slug: str,
    size_ml: Decimal,
    base_url: str | None = None,
) -> bool:
    """Ask for an alert; True when a confirmation e-mail was queued, False when the
    same request already waits. Conflict when the size can be bought now."""
    with conn.transaction():
        found = conn.execute(PRODUCT_SIZE_SQL, {"slug": slug, "size_ml": size_ml}).fetchone()
        if found is None:
            raise NotFound(f"no product {slug!r}", {"slug": "no such product"})
        if found["size_ml"] is None:
            raise NotFound(f"{slug!r} is not sold in {ml(size_ml)} ml", {"size_ml": "no such size"})
        if units_available(found["remaining_volume"], found["size_ml"]) > 0:
            raise Conflict("that size is in stock: it can be ordered now", {"size_ml": "in stock"})
        row = conn.execute(
            SUBSCRIBE_SQL,
            {
                "product_id": found["id"],
                "size_ml": found["size_ml"],
                "email": email.strip().lower(),
                "token": secrets.token_urlsafe(TOKEN_BYTES),
            },
        ).fetchone()
        if row is None:
            return False
        row = {**row, "slug": found["slug"], "name": found["name"], "brand": found["brand"]}
        message = composing.compose(
            "stock_alert_confirm",
            email.strip().lower(),
            f"Confirm your alert for {found['name']}",
            {"alert": _alert({**found}), **_links(row, base_url)},
            kind="stock_alert_confirm",
        )
        composing.enqueue_many(conn, [(_key(row, "confirm"), message)])
        return True


def confirm(conn: psycopg.Connection, token: str, *, base_url: str | None = None) -> dict[str, Any]:
    """Confirm by the e-mailed token. Should the size be back already, its alert goes
    out now rather than at the next restock."""
    with conn.transaction():
        row = conn.execute(
            f"""
            UPDATE stock_alerts a SET confirmed_at = coalesce(a.confirmed_at, now())
              FROM products p
             WHERE a.token = %s AND p.id = a.product_id
               AND (a.confirmed_at IS NOT NULL OR a.created_at > now() - interval '{CONFIRM_WITHIN}')
            RETURNING a.product_id, a.size_ml, a.notified_at, p.slug, p.name, p.brand
            """,
            (token,),
        ).fetchone()
        if row is None:
            raise NotFound("this link has expired or was already used", {"token": "unknown"})
        notify_restocked(conn, row["product_id"], base_url=base_url)
        return {"slug": row["slug"], **_alert(row)}


def unsubscribe(conn: psycopg.Connection, token: str) -> dict[str, Any] | None:
    """End the subscription the token belongs to; None when it had already ended."""
    row = conn.execute(
        "DELETE FROM stock_alerts a USING products p WHERE a.token = %s AND p.id = a.product_id"
        " RETURNING a.size_ml, p.slug, p.name, p.brand",
        (token,),
    ).fetchone()
    return None if row is None else {"slug": row["slug"], **_alert(row)}


def notify_restocked(
    conn: psycopg.Connection, product_id: int, *, base_url: str | None = None
) -> int:
    """Queue one e-mail per confirmed subscriber whose size the bottle fills again, in
    the caller's transaction, and end those subscriptions. Returns how many."""
    rows = conn.execute(NOTIFY_SQL, {"product_id": product_id}).fetchall()
    if not rows:
        return 0
    # Every subscriber of a size gets the same e-mail but for the unsubscribe token:
    # render once per size, then put each token in (1,000 renders cost seconds).
    rendered: dict[Decimal, composing.Message] = {}
    messages = []
    for row in rows:
        shared = rendered.get(row["size_ml"])
        if shared is None:
            alert = _alert(row)
            shared = rendered[row["size_ml"]] = composing.compose(
                "back_in_stock",
                "",
                f"{row['name']} {alert['size']} ml is back in stock",
                {"alert": alert, **_links({**row, "token": UNSUBSCRIBE_SLOT}, base_url)},
                kind="back_in_stock",
            )
        message = replace(
            shared,
            to_address=row["email"],
            html_body=shared.html_body.replace(UNSUBSCRIBE_SLOT, row["token"]),
            text_body=shared.text_body.replace(UNSUBSCRIBE_SLOT, row["token"]),
        )
        messages.append((_key(row, "back-in-stock"), message))
    composing.enqueue_many(conn, messages)
    return len(rows)


def delete_expired(conn: psycopg.Connection) -> int:
    """Unconfirmed after 48 hours, waiting after 90 days, or notified 90 days ago: gone."""
    return conn.execute(
        f"""
        DELETE FROM stock_alerts
         WHERE (confirmed_at IS NULL AND created_at < now() - interval '{CONFIRM_WITHIN}')
            OR (notified_at IS NULL AND created_at < now() - interval '{WAIT_AT_MOST}')
            OR notified_at < now() - interval '{WAIT_AT_MOST}'
        """
    ).rowcount


def waiting_by_product(
    conn: psycopg.Connection, product_ids: list[int] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Confirmed subscribers still waiting, per product slug and size: the demand an
    owner sees before reordering a bottle. With `product_ids`, for those products only
    (the rows a page shows)."""
    rows = conn.execute(
        """
        SELECT p.slug, a.size_ml, count(*) AS waiting
          FROM stock_alerts a JOIN products p ON p.id = a.product_id
         WHERE a.confirmed_at IS NOT NULL AND a.notified_at IS NULL
           AND (%(ids)s::bigint[] IS NULL OR a.product_id = ANY(%(ids)s::bigint[]))
         GROUP BY p.slug, a.size_ml
         ORDER BY p.slug, a.size_ml
        """,
        {"ids": product_ids},
    ).fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["slug"], []).append(
            {"size_ml": ml(row["size_ml"]), "waiting": row["waiting"]}
        )
    return out
