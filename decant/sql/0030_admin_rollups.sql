-- Daily rollups for the admin dashboard, kept by the database in the same
-- transaction as the change they count, so a figure can never be stale: no cache,
-- just fewer rows to add up. A paid order (payment_status = 'paid') counts on the
-- UTC day it was created, like the brief's revenue_by_month query.

CREATE TABLE sales_daily (
    day           date PRIMARY KEY,
    orders        bigint NOT NULL DEFAULT 0,
    revenue_cents bigint NOT NULL DEFAULT 0
);

CREATE TABLE product_sales_daily (
    day           date NOT NULL,
    product_id    bigint NOT NULL,
    size_ml       numeric(6, 2) NOT NULL,
    units         bigint NOT NULL DEFAULT 0,
    ml            numeric(14, 2) NOT NULL DEFAULT 0,
    revenue_cents bigint NOT NULL DEFAULT 0,
    cost_cents    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, product_id, size_ml)
);

CREATE INDEX product_sales_daily_product ON product_sales_daily (product_id, day);

CREATE TABLE analytics_daily (
    day        date NOT NULL,
    event_type text NOT NULL,
    events     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, event_type)
);

CREATE FUNCTION decant_day(at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (at AT TIME ZONE 'UTC')::date
$$;

-- Add (sign = 1) or take away (sign = -1) whole orders' items from the product rollup.
CREATE FUNCTION rollup_order_items(order_ids bigint[], sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO product_sales_daily AS r (day, product_id, size_ml, units, ml, revenue_cents, cost_cents)
    SELECT decant_day(o.created_at), oi.product_id, oi.size_ml,
           sign * sum(oi.quantity), sign * sum(oi.size_ml * oi.quantity),
           sign * sum(oi.line_total_cents), sign * sum(oi.unit_cost_cents * oi.quantity)
      FROM order_items oi JOIN orders o ON o.id = oi.order_id
     WHERE oi.order_id = ANY(order_ids)
     GROUP BY 1, 2, 3
     ORDER BY 1, 2, 3
    ON CONFLICT (day, product_id, size_ml) DO UPDATE
       SET units = r.units + EXCLUDED.units, ml = r.ml + EXCLUDED.ml,
           revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
           cost_cents = r.cost_cents + EXCLUDED.cost_cents
$$;

CREATE FUNCTION rollup_orders_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sales_daily AS r (day, orders, revenue_cents)
    SELECT decant_day(created_at), count(*), sum(total_cents)
      FROM new_rows WHERE payment_status = 'paid'
     GROUP BY 1 ORDER BY 1
    ON CONFLICT (day) DO UPDATE
       SET orders = r.orders + EXCLUDED.orders, revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents;
    RETURN NULL;
END
$$;

CREATE FUNCTION rollup_orders_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    became_paid bigint[];
    left_paid   bigint[];
BEGIN
    INSERT INTO sales_daily AS r (day, orders, revenue_cents)
    SELECT day, sum(d_orders), sum(d_revenue) FROM (
        SELECT decant_day(o.created_at) AS day,
               (n.payment_status = 'paid')::int - (o.payment_status = 'paid')::int AS d_orders,
               CASE WHEN n.payment_status = 'paid' THEN n.total_cents ELSE 0 END
             - CASE WHEN o.payment_status = 'paid' THEN o.total_cents ELSE 0 END AS d_revenue
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE (o.payment_status = 'paid') <> (n.payment_status = 'paid')
            OR (n.payment_status = 'paid' AND o.total_cents <> n.total_cents)
    ) d
     GROUP BY day ORDER BY day
    ON CONFLICT (day) DO UPDATE
       SET orders = r.orders + EXCLUDED.orders, revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents;

    SELECT array_agg(n.id) FILTER (WHERE n.payment_status = 'paid' AND o.payment_status <> 'paid'),
           array_agg(n.id) FILTER (WHERE n.payment_status <> 'paid' AND o.payment_status = 'paid')
      INTO became_paid, left_paid
      FROM old_rows o JOIN new_rows n ON n.id = o.id;
    IF became_paid IS NOT NULL THEN
        PERFORM rollup_order_items(became_paid, 1);
    END IF;
    IF left_paid IS NOT NULL THEN
        PERFORM rollup_order_items(left_paid, -1);
    END IF;
    RETURN NULL;
END
$$;

-- Items of an order that is already paid when they are written (imports, demo
-- history) count at once; items of a pending order count when it is paid.
CREATE FUNCTION rollup_items_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO product_sales_daily AS r (day, product_id, size_ml, units, ml, revenue_cents, cost_cents)
    SELECT decant_day(o.created_at), i.product_id, i.size_ml, sum(i.quantity),
           sum(i.size_ml * i.quantity), sum(i.line_total_cents), sum(i.unit_cost_cents * i.quantity)
      FROM new_rows i JOIN orders o ON o.id = i.order_id
     WHERE o.payment_status = 'paid'
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (day, product_id, size_ml) DO UPDATE
       SET units = r.units + EXCLUDED.units, ml = r.ml + EXCLUDED.ml,
           revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
           cost_cents = r.cost_cents + EXCLUDED.cost_cents;
    RETURN NULL;
END
$$;

CREATE FUNCTION rollup_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_daily AS r (day, event_type, events)
        SELECT decant_day(created_at), event_type, count(*) FROM new_rows
         GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (day, event_type) DO UPDATE SET events = r.events + EXCLUDED.events;
    ELSE
        UPDATE analytics_daily r SET events = r.events - d.n
          FROM (SELECT decant_day(created_at) AS day, event_type, count(*) AS n
                  FROM old_rows GROUP BY 1, 2) d
         WHERE r.day = d.day AND r.event_type = d.event_type;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_rollup_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_orders_inserted();
CREATE TRIGGER orders_rollup_update AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_orders_updated();
CREATE TRIGGER order_items_rollup_insert AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_items_inserted();
CREATE TRIGGER analytics_events_rollup_insert AFTER INSERT ON analytics_events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_events();
CREATE TRIGGER analytics_events_rollup_delete AFTER DELETE ON analytics_events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_events();

-- What is already there when this migration runs.
INSERT INTO sales_daily (day, orders, revenue_cents)
SELECT decant_day(created_at), count(*), sum(total_cents)
  FROM orders WHERE payment_status = 'paid' GROUP BY 1;
INSERT INTO product_sales_daily (day, product_id, size_ml, units, ml, revenue_cents, cost_cents)
SELECT decant_day(o.created_at), oi.product_id, oi.size_ml, sum(oi.quantity),
       sum(oi.size_ml * oi.quantity), sum(oi.line_total_cents), sum(oi.unit_cost_cents * oi.quantity)
  FROM order_items oi JOIN orders o ON o.id = oi.order_id
 WHERE o.payment_status = 'paid' GROUP BY 1, 2, 3;
INSERT INTO analytics_daily (day, event_type, events)
SELECT decant_day(created_at), event_type, count(*) FROM analytics_events GROUP BY 1, 2;

-- Repeat-purchase rate reads paid orders of a period by day, with the customer:
-- an index-only scan instead of the table.
CREATE INDEX orders_paid_created_customer ON orders (created_at) INCLUDE (email, total_cents)
    WHERE payment_status = 'paid';
-- "Has this customer bought before?" per customer, for the repeat-purchase rate.
CREATE INDEX orders_paid_customer ON orders (lower(email), created_at) WHERE payment_status = 'paid';
-- Admin search by the start of an e-mail or an order number.
CREATE INDEX orders_lower_email_prefix ON orders (lower(email) text_pattern_ops);
CREATE INDEX orders_number_prefix ON orders (order_number text_pattern_ops);
