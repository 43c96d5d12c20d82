"""The demo shop: the invented catalog of catalog.json, stock, codes, and a few
months of history so reports and charts have something to show.

Idempotent by construction: catalog rows are inserted with ON CONFLICT DO NOTHING,
and the history is only written in the same run that first wrote the catalog.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from decant.demo import catalog_data
from decant.orders import pricing

SIZE_MARKUP = {1: Decimal("1.6"), 2: Decimal("1.3"), 5: Decimal("1.1"), 10: Decimal("1.0")}
LOW_STOCK_ML = Decimal(6)
SOLD_OUT_ML = Decimal("0.5")
HISTORY_DAYS = 120
DEMO_EMAIL_DOMAIN = "example.com"


def size_price_cents(price_per_ml_cents: int, size_ml: int) -> int:
    """Smaller decants cost more per ml (the filling work is the same); prices end in .90."""
    raw = Decimal(price_per_ml_cents) * size_ml * SIZE_MARKUP[size_ml]
    return max(190, int((raw / 100).quantize(Decimal(1))) * 100 - 10)


def load(
    conn: psycopg.Connection, media_dir: Path, *, today: datetime | None = None
) -> dict[str, int]:
    """Load the demo shop; returns counts of what was added (all zero on a second run)."""
    today = today or datetime.now(UTC)
    added = {
        "brands": 0,
        "products": 0,
        "discount_codes": 0,
        "sets": 0,
        "orders": 0,
        "events": 0,
    }
    with conn.transaction():
        for brand in catalog_data.BRANDS:
            cur = conn.execute(
                "INSERT INTO brands (name, country, founded, description) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (name) DO NOTHING",
                (brand["name"], brand["country"], brand["founded"], brand["description"]),
            )
            added["brands"] += cur.rowcount
        new_products = [f for f in catalog_data.FRAGRANCES if _insert_product(conn, f, media_dir)]
        added["products"] = len(new_products)
        for code in catalog_data.DISCOUNT_CODES:
            cur = conn.execute(
                "INSERT INTO discount_codes (code, kind, value, min_subtotal_cents, max_uses, expires_at)"
                " VALUES (%s, %s, %s, %s, %s, now() + make_interval(days => %s))"
                " ON CONFLICT (code) DO NOTHING",
                (
                    code["code"],
                    code["kind"],
                    code["value"],
                    code["min_subtotal_cents"],
                    code["max_uses"],
                    code["expires_in_days"],
                ),
            )
            added["discount_codes"] += cur.rowcount
        added["sets"] = sum(_insert_curated_set(conn, found) for found in catalog_data.CURATED_SETS)
        if new_products:
            history = _history(new_products, today)
            _stock_products(conn, new_products, history, today)
            added["orders"] = _insert_orders(conn, history)
            added["events"] = _insert_events(conn, history, new_products, today)
            # The demo catalog is what the first build publishes, not a pending change.
            conn.execute("DELETE FROM catalog_changes")
    return added


def _insert_curated_set(conn: psycopg.Connection, found: dict[str, Any]) -> int:
    """One demo set, priced its percentage below its samples (ending in .90); 0 when it
    exists already, so a second run changes nothing."""
    # Checked first, not left to ON CONFLICT: the statement-level trigger on curated_sets
    # records a catalog change even for an insert that adds no row.
    if conn.execute("SELECT 1 FROM curated_sets WHERE slug = %s", (found["slug"],)).fetchone():
        return 0
    slugs = [slug for slug, _ in found["samples"]]
    shelf = conn.execute(
        "SELECT sum(ps.price_cents) AS cents FROM products p"
        " JOIN product_sizes ps ON ps.product_id = p.id"
        " JOIN unnest(%s::text[], %s::numeric[]) AS s(slug, size_ml)"
        "   ON s.slug = p.slug AND s.size_ml = ps.size_ml",
        (slugs, [size for _, size in found["samples"]]),
    ).fetchone()["cents"]
    if not shelf:
        return 0
    price = max(100, int(shelf * (100 - found["off_percent"]) / 100) // 100 * 100 - 10)
    row = conn.execute(
        "INSERT INTO curated_sets (slug, name, description, price_cents) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (slug) DO NOTHING RETURNING id",
        (found["slug"], found["name"], found["description"], price),
    ).fetchone()
    if row is None:
        return 0
    for position, (slug, size) in enumerate(found["samples"]):
        conn.execute(
            "INSERT INTO curated_set_items (set_id, product_id, size_ml, position)"
            " SELECT %s, id, %s, %s FROM products WHERE slug = %s",
            (row["id"], size, position, slug),
        )
    return 1


def _insert_product(conn: psycopg.Connection, fragrance: dict[str, Any], media_dir: Path) -> bool:
    image = f"products/{fragrance['slug']}.png"
    row = conn.execute(
        """
        INSERT INTO products (slug, name, brand, concentration, gender, description, top_notes,
                              heart_notes, base_notes, accords, launch_year, perfumer, images,
                              created_at)
        VALUES (%(slug)s, %(name)s, %(brand)s, %(concentration)s, %(gender)s, %(description)s,
                %(top_notes)s, %(heart_notes)s, %(base_notes)s, %(accords)s, %(launch_year)s,
                %(perfumer)s, %(images)s, now() - make_interval(days => %(age)s))
        ON CONFLICT (slug) DO NOTHING
        RETURNING id
        """,
        {
            **fragrance,
            "images": [image],
            # Spread creation dates so "newest" and the new-arrivals feed mean something.
            "age": (sum(map(ord, fragrance["slug"])) % 300) + 1,
        },
    ).fetchone()
    if row is None:
        return False
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO product_sizes (product_id, size_ml, price_cents) VALUES (%s, %s, %s)",
            [
                (row["id"], size, size_price_cents(fragrance["price_per_ml_cents"], size))
                for size in fragrance["sizes_ml"]
            ],
        )
    path = media_dir / image
    if not path.exists():
        from decant.demo.artwork import draw_product_image

        draw_product_image(fragrance["name"], fragrance["brand"], tuple(fragrance["palette"]), path)
    return True


def _history(fragrances: list[dict[str, Any]], today: datetime) -> list[dict[str, Any]]:
    """Deterministic past orders: a few a day, most delivered, some repeat customers."""
    rng = random.Random(20260523)
    sellable = [f for f in fragrances if f["stock"] == "normal"]
    customers = [f"customer{n}@{DEMO_EMAIL_DOMAIN}" for n in range(1, 181)]
    orders = []
    for days_ago in range(HISTORY_DAYS, 0, -1):
        day = (today - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
        for seq in range(rng.randint(1, 6)):
            lines = []
            for fragrance in rng.sample(sellable, rng.randint(1, 3)):
                size = rng.choice(fragrance["sizes_ml"])
                lines.append((fragrance, size, rng.choice((1, 1, 1, 2))))
            placed = day + timedelta(minutes=rng.randint(0, 600))
            status = "delivered" if days_ago > 10 else rng.choice(("paid", "processing", "shipped"))
            if rng.random() < 0.05:
                status = "cancelled"
            orders.append(
                {
                    "number": f"PS{placed:%y%m%d}-{1001 + seq:04d}",
                    "email": rng.choice(customers),
                    "created_at": placed,
                    "status": status,
                    "lines": lines,
                    "country": rng.choice(("DE", "DE", "DE", "FR", "NL", "AT", "IT", "US")),
                }
            )
    return orders


def _stock_products(
    conn: psycopg.Connection,
    fragrances: list[dict[str, Any]],
    history: list[dict[str, Any]],
    today: datetime,
) -> None:
    """Bottles enough for the history, ending at each product's intended stock level."""
    sold: dict[str, Decimal] = {}
    for order in history:
        if order["status"] == "cancelled":
            continue
        for fragrance, size, quantity in order["lines"]:
            sold[fragrance["slug"]] = sold.get(fragrance["slug"], Decimal(0)) + size * quantity
    for fragrance in fragrances:
        bottle = Decimal(fragrance["bottle_ml"])
        target = {
            "normal": bottle * Decimal("0.7"),
            "low": LOW_STOCK_ML,
            "sold_out": SOLD_OUT_ML,
        }[fragrance["stock"]]
        needed = sold.get(fragrance["slug"], Decimal(0)) + target
        bottles = max(1, int((needed / bottle).to_integral_value(rounding="ROUND_CEILING")))
        product_id = conn.execute(
            "SELECT id FROM products WHERE slug = %s", (fragrance["slug"],)
        ).fetchone()["id"]
        for n in range(bottles):
            conn.execute(
                "INSERT INTO bottle_batches (product_id, volume_ml, cost_cents, supplier, received_on)"
                " VALUES (%s, %s, %s, %s, %s)",
                (
                    product_id,
                    bottle,
                    fragrance["bottle_cost_cents"],
                    "Demo Distribution GmbH",
                    (today - timedelta(days=HISTORY_DAYS + 5 - n * 30)).date(),
                ),
            )
        surplus = bottle * bottles - needed
        if surplus > 0:
            conn.execute(
                "INSERT INTO inventory_adjustments (product_id, delta_ml, reason, note, actor)"
                " VALUES (%s, %s, 'count', 'stock count', 'demo')",
                (product_id, surplus),
            )


def _insert_orders(conn: psycopg.Connection, history: list[dict[str, Any]]) -> int:
    price = size_price_cents
    for order in history:
        subtotal = sum(price(f["price_per_ml_cents"], size) * q for f, size, q in order["lines"])
        shipping = pricing.shipping_cents(order["country"], subtotal)
        total = subtotal + shipping
        paid = order["status"] != "cancelled"
        order_id = conn.execute(
            """
            INSERT INTO orders (order_number, email, customer_name, shipping_address,
                                shipping_country, status, payment_status, subtotal_cents,
                                shipping_cents, tax_cents, total_cents, payment_provider,
                                created_at, paid_at, shipped_at, delivered_at)
            VALUES (%(number)s, %(email)s, %(name)s, %(address)s, %(country)s, 'pending', 'unpaid',
                    %(subtotal)s, %(shipping)s, %(tax)s, %(total)s, 'demo', %(created)s, NULL, NULL, NULL)
            RETURNING id
            """,
            {
                "number": order["number"],
                "email": order["email"],
                "name": order["email"].split("@")[0].title(),
                "address": json.dumps(
                    {
                        "line1": "Example Street 1",
                        "city": "Example City",
                        "postal_code": "10115",
                        "country": order["country"],
                    }
                ),
                "country": order["country"],
                "subtotal": subtotal,
                "shipping": shipping,
                "tax": pricing.vat_contained(total, order["country"]),
                "total": total,
                "created": order["created_at"],
            },
        ).fetchone()["id"]
        with conn.cursor() as cur:
            cur.executemany(
                """
                INSERT INTO order_items (order_id, product_id, product_name, brand, size_ml, quantity,
                                         unit_price_cents, cost_per_ml_cents)
                SELECT %s, p.id, p.name, p.brand, %s, %s, %s, pc.cost_per_ml_cents
                  FROM products p JOIN product_costs pc ON pc.product_id = p.id WHERE p.slug = %s
                """,
                [
                    (order_id, size, q, price(f["price_per_ml_cents"], size), f["slug"])
                    for f, size, q in order["lines"]
                ],
            )
        created = order["created_at"]
        if paid:
            conn.execute(
                "UPDATE orders SET status = 'paid', payment_status = 'paid', paid_at = %s WHERE id = %s",
                (created + timedelta(minutes=2), order_id),
            )
            path = {
                "processing": ["processing"],
                "shipped": ["shipped"],
                "delivered": ["shipped", "delivered"],
            }.get(order["status"], [])
            for step, status in enumerate(path, start=1):
                column = {
                    "processing": "updated_at",
                    "shipped": "shipped_at",
                    "delivered": "delivered_at",
                }[status]
                conn.execute(
                    f"UPDATE orders SET status = %s, {column} = %s WHERE id = %s",
                    (status, created + timedelta(days=step * 2), order_id),
                )
        else:
            conn.execute(
                "UPDATE orders SET status = 'cancelled', cancel_reason = 'expired' WHERE id = %s",
                (order_id,),
            )
        conn.execute(
            "UPDATE order_events SET created_at = %s + (id - (SELECT min(id) FROM order_events"
            " WHERE order_id = %s)) * interval '1 day' WHERE order_id = %s",
            (created, order_id, order_id),
        )
    days = {}
    for order in history:
        day = order["created_at"].date()
        days[day] = max(days.get(day, 0), int(order["number"].split("-")[1]))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO order_number_days (day, last_seq) VALUES (%s, %s)"
            " ON CONFLICT (day) DO UPDATE SET last_seq = greatest(order_number_days.last_seq, EXCLUDED.last_seq)",
            list(days.items()),
        )
    return len(history)


def _insert_events(
    conn: psycopg.Connection,
    history: list[dict[str, Any]],
    fragrances: list[dict[str, Any]],
    today: datetime,
) -> int:
    """A believable funnel: many views, fewer carts, fewer checkouts, the orders paid."""
    rng = random.Random(7)
    ids = {
        row["slug"]: row["id"] for row in conn.execute("SELECT id, slug FROM products").fetchall()
    }
    rows = []
    for days_ago in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=days_ago)
        for n in range(rng.randint(30, 60)):
            fragrance = rng.choice(fragrances)
            session = f"demo-{days_ago}-{n % 25}"
            at = day.replace(hour=8) + timedelta(minutes=rng.randint(0, 800))
            rows.append(("page_view", {"path": "/"}, None, session, at))
            rows.append(("product_view", {}, ids[fragrance["slug"]], session, at))
            if rng.random() < 0.3:
                rows.append(("add_to_cart", {"size_ml": 5}, ids[fragrance["slug"]], session, at))
                if rng.random() < 0.6:
                    rows.append(("checkout_started", {}, None, session, at))
    for order in history:
        if order["status"] != "cancelled":
            rows.append(
                (
                    "purchase",
                    {"order_number": order["number"]},
                    None,
                    f"order-{order['number']}",
                    order["created_at"],
                )
            )
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY analytics_events (event_type, data, product_id, session_id, created_at) FROM STDIN"
        ) as copy,
    ):
        for event_type, data, product_id, session, at in rows:
            copy.write_row((event_type, json.dumps(data), product_id, session, at))
    return len(rows)
