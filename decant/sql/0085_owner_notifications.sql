-- What the owner is told: a product crossing its low-stock threshold, a paid order, the
-- daily digest, a `decant doctor` finding.
--
-- A row here is written by the same transaction as the thing it reports (the triggers
-- below for stock and payment; decant.schedule for the digest and doctor). The worker
-- (decant.owner_alerts.dispatch) turns each row, once, into an e-mail to
-- DECANT_OWNER_EMAIL (email_outbox) and a JSON POST to DECANT_ALERT_WEBHOOK_URL
-- (webhook_outbox), and stamps dispatched_at in that same transaction. The outboxes'
-- unique dedupe keys keep a row from being sent twice.

CREATE TABLE owner_notifications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL
                  CONSTRAINT owner_notifications_kind CHECK (kind IN ('low_stock', 'paid_order', 'digest', 'doctor')),
    -- Set for what must be told at most once per period (the digest of a day, a
    -- doctor finding of a day); the triggers' rows are once per crossing by nature.
    dedupe_key    text CONSTRAINT owner_notifications_dedupe_unique UNIQUE,
    details       jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz
);

CREATE INDEX owner_notifications_waiting ON owner_notifications (id) WHERE dispatched_at IS NULL;

CREATE TABLE webhook_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id bigint REFERENCES owner_notifications (id) ON DELETE SET NULL,
    dedupe_key      text NOT NULL CONSTRAINT webhook_outbox_dedupe_unique UNIQUE,
    url             text NOT NULL,
    payload         jsonb NOT NULL,
    status          outbox_status NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Once per crossing: only the update that turns the flag from false to true writes a
-- row; while the product stays low nothing more, and after a restock lifts it above the
-- threshold the next fall is a new crossing.
CREATE FUNCTION note_low_stock_crossing() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF NEW.low_stock_alert AND NOT OLD.low_stock_alert THEN
        INSERT INTO owner_notifications (kind, details)
        VALUES ('low_stock', jsonb_build_object(
            'product_id', NEW.product_id,
            'remaining_ml', NEW.total_volume - NEW.used_volume,
            'threshold_ml', NEW.low_stock_threshold));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER inventory_low_stock_notification AFTER UPDATE ON inventory
    FOR EACH ROW EXECUTE FUNCTION note_low_stock_crossing();

CREATE FUNCTION note_paid_order() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF NEW.payment_status = 'paid' AND OLD.payment_status IS DISTINCT FROM 'paid' THEN
        INSERT INTO owner_notifications (kind, dedupe_key, details)
        VALUES ('paid_order', 'paid-order:' || NEW.id, jsonb_build_object('order_id', NEW.id))
        ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_paid_notification AFTER UPDATE OF payment_status ON orders
    FOR EACH ROW EXECUTE FUNCTION note_paid_order();

-- The worker's periodic jobs (decant.schedule): one row per job. A worker claims a due
-- job by locking its row (FOR UPDATE SKIP LOCKED) and moving next_run_at past the slot
-- before it runs it, so any number of workers run each slot once.
CREATE TABLE scheduled_jobs (
    name             text PRIMARY KEY,
    schedule         text NOT NULL,
    next_run_at      timestamptz NOT NULL,
    last_slot        timestamptz,
    last_started_at  timestamptz,
    last_finished_at timestamptz,
    last_ok          boolean,
    last_result      text
);
