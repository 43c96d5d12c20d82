-- The unpaid-orders limit checked inside the statement that writes the order.
--
-- decant/orders/placing.py used to hold a transaction open over four round trips to
-- enforce DECANT_MAX_UNPAID_ORDERS: BEGIN, an advisory lock on the e-mail, one on the
-- client address, a count of their unpaid pending orders, then the order's write and
-- COMMIT. This function does the locks and the count, so the order's one statement
-- calls it first (from a CTE every write of that statement depends on) and the limit
-- costs no round trip of its own.
--
-- Why the count cannot be raced past: the locks are transaction-scoped, so a second
-- order of the same e-mail (or client) waits here until the first one's statement has
-- committed its order. A plpgsql function that is VOLATILE takes a fresh snapshot for
-- each query it runs, so the count below, run after the lock was granted, sees that
-- committed order (the calling statement's own snapshot, taken before the wait, would
-- not). The e-mail's lock is always taken before the client's, so two orders never
-- wait on each other in opposite orders. The lock classes are those placing.py took.
--
-- Each count is its own branch of one query so that each walks its partial index of
-- 0055 (an OR of the two conditions made the planner walk every unpaid order of the
-- shop), and the address comes typed as inet: compared with a text cast to inet, the
-- planner cannot use the address's index and may walk the e-mail's index whole.
--
-- A refusal is `RAISE ... USING HINT = 'unpaid_orders_limit'` with the seconds until
-- the oldest of the counted orders expires in DETAIL; placing.py answers it with
-- RateLimited (429 and Retry-After). NULL max_unpaid means no limit (back office,
-- tests): nothing is locked or counted.

CREATE FUNCTION refuse_beyond_unpaid_limit(
    buyer_email text, buyer_address inet, max_unpaid integer, expiry_minutes integer
) RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path = public, pg_catalog
AS $$
DECLARE
    by_email         bigint;
    oldest_by_email  timestamptz;
    by_client        bigint;
    oldest_by_client timestamptz;
    wait_seconds     double precision;
BEGIN
    IF max_unpaid IS NULL THEN
        RETURN true;
    END IF;
    -- One query takes both locks, the e-mail's first (a select list is computed left
    -- to right); the count below is the next query, with a snapshot taken after them.
    PERFORM pg_advisory_xact_lock(4242101, hashtext(lower(buyer_email))),
            CASE WHEN buyer_address IS NOT NULL
                 THEN pg_advisory_xact_lock(4242102, hashtext(host(buyer_address))) END;

    SELECT count(*) FILTER (WHERE held.kind = 'email'),
           min(held.created_at) FILTER (WHERE held.kind = 'email'),
           count(*) FILTER (WHERE held.kind = 'client'),
           min(held.created_at) FILTER (WHERE held.kind = 'client')
      INTO by_email, oldest_by_email, by_client, oldest_by_client
      FROM (SELECT 'email' AS kind, o.created_at
              FROM orders o
             WHERE o.status = 'pending' AND o.payment_status IN ('unpaid', 'failed')
               AND lower(o.email) = lower(buyer_email)
            UNION ALL
            SELECT 'client', o.created_at
              FROM orders o
             WHERE o.status = 'pending' AND o.payment_status IN ('unpaid', 'failed')
               AND o.client_address = buyer_address) AS held;

    IF by_email < max_unpaid AND by_client < max_unpaid THEN
        RETURN true;
    END IF;
    -- Seconds until the oldest counted order of each group over the limit expires;
    -- the later of the two is when this buyer may order again.
    wait_seconds := greatest(
        CASE WHEN by_email >= max_unpaid
             THEN extract(epoch FROM oldest_by_email - now()) + expiry_minutes * 60 END,
        CASE WHEN by_client >= max_unpaid
             THEN extract(epoch FROM oldest_by_client - now()) + expiry_minutes * 60 END);
    RAISE EXCEPTION 'at most % unpaid orders at once; pay or cancel one first', max_unpaid
        USING HINT = 'unpaid_orders_limit',
              DETAIL = greatest(1, trunc(wait_seconds)::integer + 1)::text;
END
$$;

COMMENT ON FUNCTION refuse_beyond_unpaid_limit(text, inet, integer, integer) IS
    'Locks the e-mail and client address and refuses (HINT unpaid_orders_limit, DETAIL retry seconds) once either holds max_unpaid unpaid pending orders; see sql/0090.';
