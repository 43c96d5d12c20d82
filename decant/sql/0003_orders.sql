-- Orders, their items and the rules money and stock must always obey.

CREATE TYPE order_status AS ENUM
    ('pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded');
CREATE TYPE payment_status AS ENUM ('unpaid', 'paid', 'failed', 'refunded');
CREATE TYPE discount_kind AS ENUM ('percent', 'amount');

CREATE TABLE discount_codes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               text NOT NULL CONSTRAINT discount_codes_code_unique UNIQUE
                       CHECK (code = upper(code) AND code ~ '^[A-Z0-9_-]{3,32}$'),
    kind               discount_kind NOT NULL,
    value              integer NOT NULL CHECK (value > 0),
    min_subtotal_cents integer NOT NULL DEFAULT 0 CHECK (min_subtotal_cents >= 0),
    max_uses           integer CHECK (max_uses > 0),
    used_count         integer NOT NULL DEFAULT 0,
    starts_at          timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz,
    is_active          boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT discount_codes_percent_range CHECK (kind <> 'percent' OR value <= 100),
    CONSTRAINT discount_codes_within_limit CHECK (max_uses IS NULL OR used_count <= max_uses),
    CONSTRAINT discount_codes_used_not_negative CHECK (used_count >= 0)
);

CREATE TRIGGER discount_codes_updated_at BEFORE UPDATE ON discount_codes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One counter row per day: numbers are PS + YYMMDD + '-' + the day's sequence.
-- The row lock serialises numbering per day, so numbers are unique under any
-- concurrency and never reused after a rollback of a committed order.
CREATE TABLE order_number_days (
    day      date PRIMARY KEY,
    last_seq integer NOT NULL
);

CREATE FUNCTION next_order_number() RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    seq   integer;
BEGIN
    INSERT INTO order_number_days AS d (day, last_seq) VALUES (today, 1001)
    ON CONFLICT (day) DO UPDATE SET last_seq = d.last_seq + 1
    RETURNING d.last_seq INTO seq;
    -- The day starts at 1001 so numbers have at least four digits; never lpad, which
    -- would truncate the 10,000th order's number to four characters.
    RETURN 'PS' || to_char(today, 'YYMMDD') || '-' || seq::text;
END
$$;

CREATE TABLE orders (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_number      text NOT NULL DEFAULT next_order_number()
                      CONSTRAINT orders_number_unique UNIQUE
                      CONSTRAINT orders_number_format CHECK (order_number ~ '^PS[0-9]{6}-[0-9]{4,}$'),
    email             text NOT NULL CHECK (position('@' IN email) > 1 AND length(email) <= 254),
    customer_name     text NOT NULL DEFAULT '',
    shipping_address  jsonb NOT NULL DEFAULT '{}',
    shipping_country  char(2) NOT NULL DEFAULT 'DE',
    status            order_status NOT NULL DEFAULT 'pending',
    payment_status    payment_status NOT NULL DEFAULT 'unpaid',
    subtotal_cents    integer NOT NULL CHECK (subtotal_cents >= 0),
    shipping_cents    integer NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0),
    tax_cents         integer NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
    discount_cents    integer NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
    total_cents       integer NOT NULL CHECK (total_cents >= 0),
    total_amount      numeric(12, 2) GENERATED ALWAYS AS (total_cents / 100.0) STORED,
    refunded_cents    integer NOT NULL DEFAULT 0,
    currency          char(3) NOT NULL DEFAULT 'EUR',
    discount_code     text,
    payment_provider  text NOT NULL DEFAULT 'stripe' CHECK (payment_provider IN ('stripe', 'demo')),
    payment_intent_id text CONSTRAINT orders_payment_intent_unique UNIQUE,
    idempotency_key   text CONSTRAINT orders_idempotency_key_unique UNIQUE,
    request_hash      text,
    tracking_number   text,
    cancel_reason     text,
    stock_released_at timestamptz,
    paid_at           timestamptz,
    shipped_at        timestamptz,
    delivered_at      timestamptz,
    cancelled_at      timestamptz,
    refunded_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_total_adds_up CHECK (total_cents = subtotal_cents + shipping_cents - discount_cents),
    CONSTRAINT orders_refund_within_total CHECK (refunded_cents BETWEEN 0 AND total_cents)
);

CREATE INDEX orders_lower_email ON orders (lower(email));
CREATE INDEX orders_created_at ON orders (created_at);
CREATE INDEX orders_payment_status_created ON orders (payment_status, created_at);
CREATE INDEX orders_status_created ON orders (status, created_at);
CREATE INDEX orders_pending_created ON orders (created_at) WHERE status = 'pending';

CREATE TRIGGER orders_updated_at BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The state machine, as data: a move not listed here is refused by the database,
-- whoever asks for it.
CREATE TABLE order_transitions (
    from_status order_status NOT NULL,
    to_status   order_status NOT NULL,
    PRIMARY KEY (from_status, to_status)
);

INSERT INTO order_transitions (from_status, to_status) VALUES
    ('pending', 'paid'), ('pending', 'cancelled'),
    ('paid', 'processing'), ('paid', 'shipped'), ('paid', 'refunded'),
    ('processing', 'shipped'), ('processing', 'refunded'),
    ('shipped', 'delivered'), ('shipped', 'refunded'),
    ('delivered', 'refunded'),
    -- a payment that succeeds after the order was given up (late webhook): it is paid
    ('cancelled', 'paid');

CREATE TABLE payment_transitions (
    from_status payment_status NOT NULL,
    to_status   payment_status NOT NULL,
    PRIMARY KEY (from_status, to_status)
);

INSERT INTO payment_transitions (from_status, to_status) VALUES
    ('unpaid', 'paid'), ('unpaid', 'failed'),
    ('failed', 'paid'),
    ('paid', 'refunded');

CREATE FUNCTION guard_order_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
        SELECT 1 FROM order_transitions WHERE from_status = OLD.status AND to_status = NEW.status
    ) THEN
        RAISE EXCEPTION 'order % cannot move from % to %', OLD.order_number, OLD.status, NEW.status
            USING ERRCODE = 'P0001', HINT = 'invalid_transition';
    END IF;
    IF NEW.payment_status IS DISTINCT FROM OLD.payment_status AND NOT EXISTS (
        SELECT 1 FROM payment_transitions
         WHERE from_status = OLD.payment_status AND to_status = NEW.payment_status
    ) THEN
        RAISE EXCEPTION 'order % payment cannot move from % to %',
            OLD.order_number, OLD.payment_status, NEW.payment_status
            USING ERRCODE = 'P0001', HINT = 'invalid_transition';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        CASE NEW.status
            WHEN 'paid' THEN NEW.paid_at := coalesce(NEW.paid_at, now());
            WHEN 'shipped' THEN NEW.shipped_at := coalesce(NEW.shipped_at, now());
            WHEN 'delivered' THEN NEW.delivered_at := coalesce(NEW.delivered_at, now());
            WHEN 'cancelled' THEN NEW.cancelled_at := coalesce(NEW.cancelled_at, now());
            WHEN 'refunded' THEN NEW.refunded_at := coalesce(NEW.refunded_at, now());
            ELSE NULL;
        END CASE;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER orders_guard_transition BEFORE UPDATE OF status, payment_status ON orders
    FOR EACH ROW EXECUTE FUNCTION guard_order_transition();

CREATE TABLE order_items (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id        bigint NOT NULL REFERENCES products (id),
    product_name      text NOT NULL DEFAULT '',
    brand             text NOT NULL DEFAULT '',
    size_ml           numeric(6, 2) NOT NULL CHECK (size_ml > 0),
    quantity          integer NOT NULL CONSTRAINT order_items_quantity_range CHECK (quantity BETWEEN 1 AND 100),
    unit_price_cents  integer NOT NULL CHECK (unit_price_cents >= 0),
    cost_per_ml_cents numeric(10, 4) NOT NULL DEFAULT 0,
    unit_cost_cents   integer GENERATED ALWAYS AS (round(cost_per_ml_cents * size_ml)::integer) STORED,
    line_total_cents  integer GENERATED ALWAYS AS (unit_price_cents * quantity) STORED,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX order_items_order ON order_items (order_id);
CREATE INDEX order_items_product ON order_items (product_id);

-- Taking stock is the database's job: an item takes size_ml x quantity from the
-- bottle, and the CHECK on inventory refuses it when that would go below zero.
CREATE FUNCTION update_inventory_on_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'order_items' THEN
        UPDATE inventory SET used_volume = used_volume + NEW.size_ml * NEW.quantity
         WHERE product_id = NEW.product_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'product % has no inventory', NEW.product_id
                USING ERRCODE = '23514', CONSTRAINT = 'inventory_never_negative';
        END IF;
        RETURN NEW;
    END IF;

    -- orders: an unpaid order that is cancelled (or expires) gives its stock back, once;
    -- a late payment on a cancelled order takes it again.
    IF NEW.status = 'cancelled' AND OLD.status = 'pending'
       AND NEW.payment_status <> 'paid' AND OLD.stock_released_at IS NULL THEN
        UPDATE inventory i SET used_volume = i.used_volume - s.ml
          FROM (SELECT product_id, sum(size_ml * quantity) AS ml
                  FROM order_items WHERE order_id = NEW.id GROUP BY product_id
                 ORDER BY product_id) s
         WHERE i.product_id = s.product_id;
        UPDATE orders SET stock_released_at = now() WHERE id = NEW.id;
    ELSIF NEW.status = 'paid' AND OLD.status = 'cancelled' AND OLD.stock_released_at IS NOT NULL THEN
        UPDATE inventory i SET used_volume = i.used_volume + s.ml
          FROM (SELECT product_id, sum(size_ml * quantity) AS ml
                  FROM order_items WHERE order_id = NEW.id GROUP BY product_id
                 ORDER BY product_id) s
         WHERE i.product_id = s.product_id;
        UPDATE orders SET stock_released_at = NULL WHERE id = NEW.id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER update_inventory_on_order AFTER INSERT ON order_items
    FOR EACH ROW EXECUTE FUNCTION update_inventory_on_order();

CREATE TRIGGER orders_release_stock AFTER UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION update_inventory_on_order();

-- The timeline a shopper sees when tracking, written by the database itself.
CREATE TABLE order_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id       bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    status         order_status NOT NULL,
    payment_status payment_status NOT NULL,
    note           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX order_events_order ON order_events (order_id, created_at);

CREATE FUNCTION record_order_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status
       OR NEW.payment_status IS DISTINCT FROM OLD.payment_status THEN
        INSERT INTO order_events (order_id, status, payment_status, note)
        VALUES (NEW.id, NEW.status, NEW.payment_status,
                CASE WHEN NEW.status = 'cancelled' THEN coalesce(NEW.cancel_reason, '')
                     WHEN NEW.status = 'shipped' THEN coalesce(NEW.tracking_number, '')
                     ELSE '' END);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER orders_record_event AFTER INSERT OR UPDATE OF status, payment_status ON orders
    FOR EACH ROW EXECUTE FUNCTION record_order_event();
