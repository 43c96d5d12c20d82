-- Back-in-stock alerts: a shopper asks to hear when a sold-out size can be bought again.
--
-- Double opt-in: a row starts unconfirmed and only the link in the confirmation e-mail
-- (its token) confirms it. One row per product, size and e-mail: asking again while a
-- row waits changes nothing. A restock that makes the size available queues one e-mail
-- per confirmed row in the restock's own transaction (decant.stock_alerts) and marks
-- the row notified: the subscription has ended. decant.stock_alerts.delete_expired
-- (each worker round) removes rows unconfirmed after 48 hours and rows not sent
-- after 90 days.

CREATE TABLE stock_alerts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id   bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    size_ml      numeric(6, 2) NOT NULL CONSTRAINT stock_alerts_size_positive CHECK (size_ml > 0),
    email        text NOT NULL
                 CONSTRAINT stock_alerts_email_shape CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    token        text NOT NULL CONSTRAINT stock_alerts_token_unique UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    notified_at  timestamptz,
    CONSTRAINT stock_alerts_one_per_size UNIQUE (product_id, size_ml, email),
    CONSTRAINT stock_alerts_notified_only_confirmed CHECK (notified_at IS NULL OR confirmed_at IS NOT NULL)
);

CREATE INDEX stock_alerts_waiting ON stock_alerts (product_id, size_ml)
    WHERE confirmed_at IS NOT NULL AND notified_at IS NULL;
CREATE INDEX stock_alerts_created ON stock_alerts (created_at) WHERE notified_at IS NULL;
CREATE INDEX stock_alerts_email ON stock_alerts (email);
