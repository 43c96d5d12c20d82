"""The offers (a product's id, slug, name and brand, one size's price) this process last
read from the database, so that an order for them is written in one statement with no
read before it.

Never trusted on its own: the statement that writes the order (placing.INSERT_ORDER)
writes nothing unless every remembered line is still exactly the database's (the same
product under that slug, name and brand, active, the size active at that price); then
placing forgets the cart's offers and prices it again from a fresh read. So the price
charged is always the price product_sizes held when the order was written, whatever
was remembered; what the memory saves is a round trip per order. Stock, cost and
discount codes are never remembered: the write reads them itself.

One memory per process, keyed by the database it was read from; it is small (one entry
per size ordered) and bounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

import psycopg

MAX_OFFERS = 20_000
# What an offer is remembered by: every one of them is checked by the write.
FIELDS = ("product_id", "slug", "name", "brand", "size_ml", "price_cents")


class Line(Protocol):
    slug: str
    size_ml: Decimal


class OfferCache:
    def __init__(self, max_offers: int = MAX_OFFERS) -> None:
        self._offers: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._max_offers = max_offers

    def recall(
        self, conn: psycopg.Connection, lines: Sequence[Line]
    ) -> list[dict[str, Any]] | None:
        """The offer of every line, or None unless all of them are remembered."""
        database = _database(conn)
        found = []
        for line in lines:
            offer = self._offers.get((database, line.slug, line.size_ml))
            if offer is None:
                return None
            found.append(offer)
        return found

    def remember(self, conn: psycopg.Connection, offers: Iterable[dict[str, Any]]) -> None:
        if len(self._offers) >= self._max_offers:
            self._offers.clear()  # a catalog this big is rare; starting over is cheap
        database = _database(conn)
        for offer in offers:
            size = Decimal(offer["size_ml"]).normalize()
            self._offers[(database, offer["slug"], size)] = {
                **{name: offer[name] for name in FIELDS},
                "size_ml": size,
            }

    def forget(self, conn: psycopg.Connection, lines: Iterable[Line]) -> None:
        database = _database(conn)
        for line in lines:
            self._offers.pop((database, line.slug, line.size_ml), None)

    def clear(self) -> None:
        self._offers.clear()


def _database(conn: psycopg.Connection) -> tuple[bytes | None, ...]:
    pgconn = conn.pgconn  # libpq's own bytes: no decoding per order
    return (pgconn.host, pgconn.port, pgconn.db)


OFFERS = OfferCache()
