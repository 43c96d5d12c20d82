"""Versions of catalog answers, so a cache can prove an entry is still current.

The database bumps `inventory.cache_version` in the same transaction as every
change to stock, sizes, prices or the product (sql/0020). Read the version
*before* reading the product and key the cached answer by it: the answer is then
never older than its key, and a change that commits makes the old key unreachable.
"""

from __future__ import annotations

import psycopg
from psycopg import pq

# A scalar subquery rather than a join: the planner then always does two single-row
# lookups, where for a small catalog it would hash-join the whole inventory table.
# Every product has its inventory row (made by trigger); a NULL version means none.
PRODUCT_VERSION_SQL = """
SELECT p.id, (SELECT i.cache_version FROM inventory i WHERE i.product_id = p.id) AS cache_version
  FROM products p
 WHERE p.slug = %s
"""
PREPARED_NAME = b"decant_product_version"
PREPARED_SQL = PRODUCT_VERSION_SQL.replace("%s", "$1").encode()
UNDEFINED_PREPARED_STATEMENT = "26000"

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
    if row is None or row["cache_version"] is None:
        return None
    return f"{row['id']}.{row['cache_version']}"


def product_version_prepared(conn: psycopg.Connection, slug: str) -> str | None:
    """`product_version` as one libpq call on a server-side prepared statement.

    For the cache-hit path, where this query is most of the work: going straight to
    libpq skips psycopg's cursor, adaptation and row machinery (about 50 us of CPU
    and a wait loop per call). The statement is prepared once per connection under
    its own name, so it never meets psycopg's own prepared statements. Use it only
    on a connection this thread holds alone and not in pipeline mode (a pooled
    connection inside `with pool.connection()` is that). Errors raise psycopg errors.
    """
    pgconn = conn.pgconn
    if not getattr(conn, "decant_version_prepared", False):
        _prepare(pgconn)
        conn.decant_version_prepared = True  # type: ignore[attr-defined]
    result = pgconn.exec_prepared(PREPARED_NAME, [slug.encode()])
    if result.status != pq.ExecStatus.TUPLES_OK:
        state = result.error_field(pq.DiagnosticField.SQLSTATE)
        if state and state.decode() == UNDEFINED_PREPARED_STATEMENT:  # e.g. DEALLOCATE ALL
            _prepare(pgconn)
            result = pgconn.exec_prepared(PREPARED_NAME, [slug.encode()])
        if result.status != pq.ExecStatus.TUPLES_OK:
            raise psycopg.OperationalError(_message(result))
    if result.ntuples == 0:
        return None
    product_id, version = result.get_value(0, 0), result.get_value(0, 1)
    if product_id is None or version is None:
        return None
    return f"{product_id.decode()}.{version.decode()}"


def _prepare(pgconn: pq.abc.PGconn) -> None:
    result = pgconn.prepare(PREPARED_NAME, PREPARED_SQL)
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise psycopg.OperationalError(_message(result))


def _message(result: pq.abc.PGresult) -> str:
    return (result.error_message or b"query failed").decode(errors="replace").strip()


def catalog_version(conn: psycopg.Connection) -> str:
    """One token that changes whenever any product answer would change."""
    row = conn.execute(CATALOG_VERSION_SQL).fetchone()
    return f"{row['n']}.{row['max_id']}.{row['versions']}"
