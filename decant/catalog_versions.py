"""Versions of catalog answers, so a cache can prove an entry is still current.

The database bumps `inventory.cache_version` in the same transaction as every
change to stock, sizes, prices or the product (sql/0020). Read the version
*before* reading the product and key the cached answer by it: the answer is then
never older than its key, and a change that commits makes the old key unreachable.
"""

from __future__ import annotations

import psycopg

PRODUCT_VERSION_SQL = """
SELECT p.id, i.cache_version
  FROM products p JOIN inventory i ON i.product_id = p.id
 WHERE p.slug = %s
"""

# (count, max id, sum of versions) never repeats: ids only grow, rows with ids up to
# a given max can only disappear, and versions only grow; so any change to any
# product, any new product and any removed product gives a new triple.
CATALOG_VERSION_SQL = """
SELECT count(*) AS n, coalesce(max(product_id), 0) AS max_id,
       coalesce(sum(cache_version), 0) AS versions
  FROM inventory
"""


def product_version(conn: psycopg.Connection, slug: str) -> str | None:
    """`<product id>.<version>` for a slug, or None when there is no such product."""
    row = conn.execute(PRODUCT_VERSION_SQL, (slug,)).fetchone()
    if row is None:
        return None
    return f"{row['id']}.{row['cache_version']}"


def catalog_version(conn: psycopg.Connection) -> str:
    """One token that changes whenever any product answer would change."""
    row = conn.execute(CATALOG_VERSION_SQL).fetchone()
    return f"{row['n']}.{row['max_id']}.{row['versions']}"
