-- next_order_number(), the default of orders.order_number, in plpgsql.
--
-- 0070 left it a LANGUAGE sql function. With its SET search_path (sql/0040) PostgreSQL
-- cannot inline it, and a SQL function that is not inlined has its body parsed and
-- planned again on every call: every order paid a parse and a plan (about a tenth of
-- the server's time for an order, by perf). plpgsql keeps the plan of its statement
-- for the session. What it returns is unchanged: order_number_on() for today's date
-- in UTC (sql/0070).

CREATE OR REPLACE FUNCTION next_order_number() RETURNS text
LANGUAGE plpgsql
VOLATILE
SET search_path = public, pg_catalog
AS $$
BEGIN
    RETURN order_number_on((now() AT TIME ZONE 'UTC')::date);
END
$$;
