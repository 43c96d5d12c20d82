-- Curated discovery sets: the owner's chosen samples sold together at one price.
--
-- A set in an order is stored as one order_items row per sample, each carrying the
-- set (set_id) and its cart line (set_line), with the set price shared out over the
-- samples so the rows add up to the set price exactly. Stock is therefore taken,
-- given back on cancellation and taken again on a late payment by the very trigger
-- that handles every other item (update_inventory_on_order): a set can never be
-- sold from a bottle that does not hold its millilitres.

CREATE TABLE curated_sets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL CONSTRAINT curated_sets_slug_unique UNIQUE
                CONSTRAINT curated_sets_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
    name        text NOT NULL CONSTRAINT curated_sets_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 160),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    price_cents integer NOT NULL CONSTRAINT curated_sets_price_positive CHECK (price_cents > 0),
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER curated_sets_updated_at BEFORE UPDATE ON curated_sets
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE curated_set_items (
    set_id     bigint NOT NULL REFERENCES curated_sets (id) ON DELETE CASCADE,
    product_id bigint NOT NULL REFERENCES products (id),
    size_ml    numeric(6, 2) NOT NULL CHECK (size_ml > 0),
    position   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (set_id, product_id, size_ml)
);

CREATE INDEX curated_set_items_product ON curated_set_items (product_id);

-- A set is a discount on its samples: its price must stay below the sum of its sizes'
-- shelf prices, and it needs at least two samples. Checked at commit (deferred), so
-- a set and its items can be written in any order inside one transaction.
CREATE FUNCTION check_curated_set_price() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
DECLARE
    target   bigint;
    price    integer;
    shelf    bigint;
    samples  integer;
    missing  integer;
BEGIN
    IF TG_TABLE_NAME = 'curated_sets' THEN
        target := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        target := OLD.set_id;
    ELSE
        target := NEW.set_id;
    END IF;
    SELECT cs.price_cents INTO price FROM curated_sets cs WHERE cs.id = target;
    IF NOT FOUND THEN
        RETURN NULL;  -- the set itself was deleted
    END IF;
    SELECT coalesce(sum(ps.price_cents), 0), count(*), count(*) FILTER (WHERE ps.price_cents IS NULL)
      INTO shelf, samples, missing
      FROM curated_set_items csi
      LEFT JOIN product_sizes ps ON ps.product_id = csi.product_id AND ps.size_ml = csi.size_ml
     WHERE csi.set_id = target;
    IF samples < 2 OR missing > 0 THEN
        RAISE EXCEPTION 'set % needs at least two samples, each a size its product is sold in', target
            USING ERRCODE = '23514', CONSTRAINT = 'curated_sets_two_known_samples';
    END IF;
    IF price >= shelf THEN
        RAISE EXCEPTION 'set % costs % cents, not below its samples'' % cents', target, price, shelf
            USING ERRCODE = '23514', CONSTRAINT = 'curated_sets_price_below_sum';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER curated_sets_price_below_sum
    AFTER INSERT OR UPDATE ON curated_sets DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_curated_set_price();
CREATE CONSTRAINT TRIGGER curated_set_items_price_below_sum
    AFTER INSERT OR UPDATE OR DELETE ON curated_set_items DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_curated_set_price();

-- Set pages are part of the published site: an edit is a pending catalog change.
CREATE FUNCTION record_curated_set_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    INSERT INTO catalog_changes (what) VALUES (lower(TG_OP) || ' set');
    RETURN NULL;
END
$$;

CREATE TRIGGER curated_sets_catalog_change AFTER INSERT OR UPDATE OR DELETE ON curated_sets
    FOR EACH STATEMENT EXECUTE FUNCTION record_curated_set_change();
CREATE TRIGGER curated_set_items_catalog_change AFTER INSERT OR UPDATE OR DELETE ON curated_set_items
    FOR EACH STATEMENT EXECUTE FUNCTION record_curated_set_change();

-- A sample sold as part of a set: which set, and which cart line of the order (two
-- lines of the same set stay apart). unit_price_cents is the sample's share of the
-- set price; the shares of one set line add up to the set price exactly.
ALTER TABLE order_items
    ADD COLUMN set_id bigint REFERENCES curated_sets (id),
    ADD COLUMN set_line integer,
    ADD CONSTRAINT order_items_set_line_together CHECK ((set_id IS NULL) = (set_line IS NULL));

CREATE INDEX order_items_set ON order_items (set_id) WHERE set_id IS NOT NULL;
