"""Payments: taking money and applying what the provider says, once.

- Providers (Stripe, the demo), always called outside a transaction: providers.py.
- Webhook dedupe and the one finalize path: payment_events.py records the event id in
  webhook_events in the effect's own transaction; UNIQUE webhook_events_once
  (provider, event_id) in decant/sql/0005_operations.sql makes a second delivery a no-op.
- Payment status moves: payment_transitions in decant/sql/0003_orders.sql.
- Cancelling an expired order's intent, refunding unfillable payments: providers.py
  (cancel_expired_intents, refund_unfillable_payments; column from decant/sql/0025).
"""
