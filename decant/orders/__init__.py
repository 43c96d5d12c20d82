"""Orders: placing, their lifecycle, pricing and the back office.

- Placing (prices from the database, the idempotency key, unpaid-order limits):
  placing.py, one statement per order. The offers it last read are remembered in
  offer_cache.py and checked against the database by that statement, which writes
  nothing if one moved. The unpaid-orders limit's locks and count:
  refuse_beyond_unpaid_limit() in decant/sql/0090. Stock is taken by the trigger
  update_inventory_on_order and given back by orders_release_stock
  (decant/sql/0003_orders.sql); this package never writes inventory.
- The state machine: the order_transitions and payment_transitions tables in
  decant/sql/0003_orders.sql, enforced by guard_order_transition; placing.transition
  checks the same moves first (TRANSITIONS) to answer with a typed error.
- Order numbers PSYYMMDD-NNNN: order_number_on() in decant/sql/0070, called by the
  column default next_order_number() (decant/sql/0091).
- Money (VAT contained in prices, shipping per country, discounts): pricing.py; totals
  add up by CHECK orders_total_adds_up (0003).
- Discount codes: discount_codes.py; rules in decant/sql/0003 and 0081_discount_rules.sql.
- Fulfil, cancel, refund, export: back_office.py. GDPR export/erase: customer_data.py.
"""
