-- Payments: an expired order's PaymentIntent is cancelled with the provider after the
-- stock is back. The worker retries until this is set, so a provider outage never
-- leaves an intent payable for an order that gave its stock away (a late payment is
-- still honoured: the database takes the stock again on cancelled -> paid).

ALTER TABLE orders ADD COLUMN intent_cancelled_at timestamptz;

CREATE INDEX orders_intent_to_cancel ON orders (cancelled_at)
    WHERE status = 'cancelled' AND payment_intent_id IS NOT NULL AND intent_cancelled_at IS NULL;
