-- An incremental build finds the products to re-read by their rows' versions
-- (decant.publishing.build_queue.changed_product_ids): a product, its inventory row
-- or one of its sizes written since the previous build's snapshot. A size row that
-- is deleted leaves no row behind to say so, so its product's row is touched.
CREATE FUNCTION touch_products_of_removed_sizes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET updated_at = now()
     WHERE id IN (SELECT DISTINCT product_id FROM removed_sizes);
    RETURN NULL;
END
$$;

CREATE TRIGGER product_sizes_removed_touch_products AFTER DELETE ON product_sizes
    REFERENCING OLD TABLE AS removed_sizes
    FOR EACH STATEMENT EXECUTE FUNCTION touch_products_of_removed_sizes();
