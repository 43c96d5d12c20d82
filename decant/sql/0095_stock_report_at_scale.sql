-- The stock page at 10,000 products: work for the rows shown, not for the catalog.

-- product_costs (0002) grouped every product before a caller could filter it, so
-- asking for one product's cost per ml (a page row, a restock's answer) added up the
-- bottles of all of them. The same figures, worked out per product: a filter on
-- product_id now reaches bottle_batches through its index.
CREATE OR REPLACE VIEW product_costs AS
SELECT p.id AS product_id, c.cost_per_ml_cents
  FROM products p
 CROSS JOIN LATERAL (
       SELECT CASE WHEN sum(b.volume_ml) > 0
                   THEN round(sum(b.cost_cents)::numeric / sum(b.volume_ml), 4)
                   ELSE 0 END AS cost_per_ml_cents
         FROM bottle_batches b
        WHERE b.product_id = p.id
       ) c;

-- "Low stock first" orders by headroom over the threshold (remaining - threshold):
-- every low product (low_stock_alert: remaining <= threshold) has headroom <= 0, so
-- it comes before every product that is not low. Indexed, its first page reads the
-- first rows of this index instead of sorting the catalog.
CREATE INDEX inventory_headroom ON inventory ((remaining_volume - low_stock_threshold));
