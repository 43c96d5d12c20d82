-- A version per product for the API's response cache, bumped by the database in the
-- same transaction as any change to what a product answer shows (stock, sizes,
-- prices, the product itself).
--
-- The version lives on the inventory row on purpose: every stock change already
-- locks that row, so bumping it takes no extra lock (no new lock order, no new
-- deadlock), and a product or size edit bumps it through the same row.
--
-- Why this makes a cached answer safe: a reader first reads the version, then the
-- product, and stores the answer under that version. The product it read is at
-- least as new as the version (read committed sees every commit the first statement
-- saw), and a stock change commits the next version atomically with the stock, so
-- once an order's stock is visible no reader can look up the old version's entry.

ALTER TABLE inventory ADD COLUMN cache_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION bump_inventory_cache_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cache_version IS NOT DISTINCT FROM OLD.cache_version THEN
        NEW.cache_version := OLD.cache_version + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER inventory_cache_version BEFORE UPDATE ON inventory
    FOR EACH ROW EXECUTE FUNCTION bump_inventory_cache_version();

-- Product and size edits change the answer too; they bump through the inventory row.
CREATE FUNCTION bump_product_cache_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed_product bigint;
BEGIN
    IF TG_TABLE_NAME = 'products' THEN
        changed_product := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        changed_product := OLD.product_id;
    ELSE
        changed_product := NEW.product_id;
    END IF;
    UPDATE inventory SET cache_version = cache_version + 1 WHERE product_id = changed_product;
    -- (nested: PL/pgSQL does not short-circuit, and products rows have no product_id)
    IF TG_TABLE_NAME = 'product_sizes' AND TG_OP = 'UPDATE' THEN
        IF NEW.product_id IS DISTINCT FROM OLD.product_id THEN
            UPDATE inventory SET cache_version = cache_version + 1 WHERE product_id = OLD.product_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_cache_version AFTER UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION bump_product_cache_version();
CREATE TRIGGER product_sizes_cache_version AFTER INSERT OR UPDATE OR DELETE ON product_sizes
    FOR EACH ROW EXECUTE FUNCTION bump_product_cache_version();
