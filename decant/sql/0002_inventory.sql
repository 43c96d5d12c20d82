-- Stock in millilitres per fragrance: the open bottle(s) decants are filled from.
-- remaining_volume can never go below zero: an order that asks for more fails whole.

CREATE TABLE inventory (
    product_id          bigint NOT NULL CONSTRAINT inventory_product_unique UNIQUE
                        REFERENCES products (id) ON DELETE CASCADE,
    total_volume        numeric(8, 2) NOT NULL DEFAULT 0 CHECK (total_volume >= 0),
    used_volume         numeric(8, 2) NOT NULL DEFAULT 0 CHECK (used_volume >= 0),
    remaining_volume    numeric(8, 2) GENERATED ALWAYS AS (total_volume - used_volume) STORED,
    low_stock_threshold numeric(8, 2) NOT NULL DEFAULT 10 CHECK (low_stock_threshold >= 0),
    low_stock_alert     boolean GENERATED ALWAYS AS (total_volume - used_volume <= low_stock_threshold) STORED,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_never_negative CHECK (total_volume - used_volume >= 0)
);

CREATE INDEX inventory_low_stock ON inventory (product_id) WHERE low_stock_alert;

CREATE TRIGGER inventory_updated_at BEFORE UPDATE ON inventory
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every product has an inventory row from the start, so reservation never has to
-- wonder whether the row exists.
CREATE FUNCTION create_inventory_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inventory (product_id) VALUES (NEW.id) ON CONFLICT (product_id) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER products_inventory_row AFTER INSERT ON products
    FOR EACH ROW EXECUTE FUNCTION create_inventory_row();

-- A restock is a bottle: its volume joins the stock and its cost gives the cost per ml.
CREATE TABLE bottle_batches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    volume_ml   numeric(8, 2) NOT NULL CHECK (volume_ml > 0 AND volume_ml <= 5000),
    cost_cents  integer NOT NULL CHECK (cost_cents >= 0),
    supplier    text NOT NULL DEFAULT '',
    received_on date NOT NULL DEFAULT current_date,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bottle_batches_product ON bottle_batches (product_id, received_on);

CREATE FUNCTION add_bottle_to_inventory() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inventory SET total_volume = total_volume + NEW.volume_ml
     WHERE product_id = NEW.product_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER bottle_batches_restock AFTER INSERT ON bottle_batches
    FOR EACH ROW EXECUTE FUNCTION add_bottle_to_inventory();

-- Weighted cost of every bottle bought, per millilitre, in (fractional) cents.
CREATE VIEW product_costs AS
SELECT p.id AS product_id,
       CASE WHEN sum(b.volume_ml) > 0
            THEN round(sum(b.cost_cents)::numeric / sum(b.volume_ml), 4)
            ELSE 0 END AS cost_per_ml_cents
  FROM products p
  LEFT JOIN bottle_batches b ON b.product_id = p.id
 GROUP BY p.id;

CREATE TYPE adjustment_reason AS ENUM ('spill', 'evaporation', 'decanting_loss', 'count', 'other');

-- Losses and corrections; a positive delta_ml is stock lost, negative is found.
CREATE TABLE inventory_adjustments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    delta_ml   numeric(8, 2) NOT NULL CHECK (delta_ml <> 0),
    reason     adjustment_reason NOT NULL,
    note       text NOT NULL DEFAULT '',
    actor      text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX inventory_adjustments_product ON inventory_adjustments (product_id, created_at);

CREATE FUNCTION apply_inventory_adjustment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.delta_ml > 0 THEN
        UPDATE inventory SET used_volume = used_volume + NEW.delta_ml
         WHERE product_id = NEW.product_id;
    ELSE
        -- Found stock (a recount above the books) joins the bottle.
        UPDATE inventory SET total_volume = total_volume - NEW.delta_ml
         WHERE product_id = NEW.product_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER inventory_adjustments_apply AFTER INSERT ON inventory_adjustments
    FOR EACH ROW EXECUTE FUNCTION apply_inventory_adjustment();
