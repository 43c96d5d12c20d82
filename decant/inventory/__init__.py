"""Inventory: bottles in, millilitres out.

- Stock never negative: CHECK inventory_never_negative in decant/sql/0002_inventory.sql
  (remaining_volume and low_stock_alert are generated columns there too).
- Restocks and adjustments: stock.py does the work, adjustments.py adds the audit
  entry; the triggers add_bottle_to_inventory and apply_inventory_adjustment (0002)
  change the inventory row. Orders take stock in the database, not here
  (update_inventory_on_order, decant/sql/0003_orders.sql).
- Reorder advice and margins: forecasts.py, from the rollups of decant/sql/0030; the
  stock report is chosen a page at a time in SQL (search, low stock first = headroom
  over the threshold, index and per-product costs in decant/sql/0095).
- Back-in-stock alerts: stock_alerts.py, table and rules in decant/sql/0076_stock_alerts.sql.
"""
