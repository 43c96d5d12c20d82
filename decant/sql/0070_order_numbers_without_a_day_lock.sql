-- Order numbers without serialising the day's orders.
--
-- 0003 numbered orders with an upsert on the day's row of order_number_days: every
-- order took that row's lock and held it until its transaction committed, so a day's
-- orders were written one after another however many buyers there were.
--
-- Now the day's sequence comes from one global sequence, which hands out each value
-- once, is never rolled back and holds no lock beyond the call, minus a base per day:
--
--     day's number = last_seq + 1 + (nextval('order_number_seq') - base)
--
-- `base` is the sequence value drawn by the day's first order. `last_seq` is a floor:
-- the day's numbers start above it (1000 for a new day, so a number has at least four
-- digits; the demo history and a test of the 10,000th order put higher floors in
-- before the day's first order). Numbers are never lpad-ed, which would truncate.
--
-- Why numbers stay unique under any concurrency: once a day's row has a committed
-- base, (last_seq, base) no longer change for that day, and every order draws its
-- own value of the sequence, which no other order gets. An order draws its value
-- only after it has seen the committed base, so the value is at or above the base
-- and the number above the floor; the orders_number_unique constraint stays as the
-- backstop. Numbers grow with the sequence, so they increase within a day; gaps
-- (a rolled-back order, an order of another day drawing in between) are allowed, as
-- in any shop that numbers from a sequence.
--
-- Locks: only the day's first order writes the row (an INSERT, or an UPDATE of a row
-- whose floor was put in beforehand). Other orders arriving in that instant wait for
-- it to commit, then read the base; from then on an order only reads the row and
-- calls nextval, and holds nothing for the rest of its transaction. Raising a day's
-- last_seq while that day's orders are being placed could repeat a number; the
-- unique constraint refuses it (demo data raises only the floors of past days).

CREATE SEQUENCE order_number_seq AS bigint;

ALTER TABLE order_number_days ADD COLUMN base bigint;

COMMENT ON TABLE order_number_days IS
    'One row per day: numbers are PS + YYMMDD + ''-'' + (last_seq + 1 + nextval(order_number_seq) - base); see sql/0070.';
COMMENT ON COLUMN order_number_days.last_seq IS
    'The day''s numbers start above this floor (1000 by default).';
COMMENT ON COLUMN order_number_days.base IS
    'The value of order_number_seq drawn by the day''s first order; fixed once committed.';

-- Days numbered by 0003 keep counting above the last number they gave: their base is
-- left NULL, so the next order of such a day sets it and continues at last_seq + 1.

CREATE FUNCTION order_number_on(for_day date) RETURNS text
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
DECLARE
    day_floor integer;
    day_base  bigint;
    drawn     bigint;
BEGIN
    SELECT d.last_seq, d.base INTO day_floor, day_base
      FROM order_number_days d WHERE d.day = for_day;
    IF day_base IS NULL THEN
        -- The day's first order (as far as this order can see): draw the base and
        -- try to record it. Both statements wait for an order that recorded a base
        -- first and has not committed yet, and then do nothing.
        drawn := nextval('order_number_seq');
        IF day_floor IS NULL THEN
            INSERT INTO order_number_days AS d (day, last_seq, base) VALUES (for_day, 1000, drawn)
            ON CONFLICT (day) DO NOTHING
            RETURNING d.last_seq INTO day_floor;
        ELSE
            UPDATE order_number_days d SET base = drawn
             WHERE d.day = for_day AND d.base IS NULL
            RETURNING d.last_seq INTO day_floor;
        END IF;
        IF FOUND THEN
            RETURN 'PS' || to_char(for_day, 'YYMMDD') || '-' || (day_floor + 1)::text;
        END IF;
        -- Another order recorded the base and committed: a new statement sees it.
        SELECT d.last_seq, d.base INTO day_floor, day_base
          FROM order_number_days d WHERE d.day = for_day;
        IF day_base IS NULL THEN
            RAISE EXCEPTION 'order_number_days has no base for %', for_day;
        END IF;
    END IF;
    -- Drawn after the committed base was read, so drawn > day_base.
    drawn := nextval('order_number_seq');
    RETURN 'PS' || to_char(for_day, 'YYMMDD') || '-' || (day_floor + 1 + drawn - day_base)::text;
END
$$;

-- The orders.order_number default keeps calling this function; only its body changes.
CREATE OR REPLACE FUNCTION next_order_number() RETURNS text
LANGUAGE sql
SET search_path = public, pg_catalog
AS $$ SELECT order_number_on((now() AT TIME ZONE 'UTC')::date) $$;
