-- What the shop must not lose besides orders: webhooks seen, mail to send, builds
-- asked for, who may administer it, and what they did.

CREATE TABLE webhook_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider     text NOT NULL DEFAULT 'stripe',
    event_id     text NOT NULL,
    event_type   text NOT NULL,
    order_id     bigint REFERENCES orders (id) ON DELETE SET NULL,
    outcome      text NOT NULL DEFAULT 'applied',
    payload      jsonb NOT NULL DEFAULT '{}',
    received_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_events_once UNIQUE (provider, event_id)
);

CREATE INDEX webhook_events_order ON webhook_events (order_id);

CREATE TYPE outbox_status AS ENUM ('pending', 'sending', 'sent', 'failed');

CREATE TABLE email_outbox (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id            bigint REFERENCES orders (id) ON DELETE SET NULL,
    kind                text NOT NULL,
    dedupe_key          text NOT NULL CONSTRAINT email_outbox_dedupe_unique UNIQUE,
    to_address          text NOT NULL,
    subject             text NOT NULL,
    html_body           text NOT NULL,
    text_body           text NOT NULL,
    status              outbox_status NOT NULL DEFAULT 'pending',
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    locked_until        timestamptz,
    last_error          text,
    provider            text,
    provider_message_id text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz
);

CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX email_outbox_order ON email_outbox (order_id);

CREATE TYPE build_status AS ENUM ('queued', 'running', 'succeeded', 'failed');

CREATE TABLE build_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status         build_status NOT NULL DEFAULT 'queued',
    trigger        text NOT NULL DEFAULT 'cli',
    requested_by   text,
    full_build     boolean NOT NULL DEFAULT false,
    pages_rendered integer,
    pages_carried  integer,
    seconds        numeric(10, 3),
    build_dir      text,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz
);

CREATE INDEX build_runs_queued ON build_runs (created_at) WHERE status = 'queued';

-- What changed in the catalog since the last build: the build reads it to know
-- which pages to render; admin shows it as "changes not yet published".
CREATE TABLE catalog_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint,
    brand      text,
    what       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX catalog_changes_created ON catalog_changes (id);

CREATE FUNCTION record_catalog_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_data record;
BEGIN
    IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
    IF TG_TABLE_NAME = 'products' THEN
        INSERT INTO catalog_changes (product_id, brand, what)
        VALUES (row_data.id, row_data.brand, lower(TG_OP) || ' product');
        IF TG_OP = 'UPDATE' AND OLD.brand IS DISTINCT FROM NEW.brand THEN
            INSERT INTO catalog_changes (product_id, brand, what)
            VALUES (OLD.id, OLD.brand, 'brand changed');
        END IF;
    ELSIF TG_TABLE_NAME = 'product_sizes' THEN
        INSERT INTO catalog_changes (product_id, what)
        VALUES (row_data.product_id, lower(TG_OP) || ' size');
    ELSIF TG_TABLE_NAME = 'brands' THEN
        INSERT INTO catalog_changes (brand, what) VALUES (row_data.name, lower(TG_OP) || ' brand');
    ELSIF TG_TABLE_NAME = 'inventory' THEN
        -- Stock shown on pages is "in stock / only N left"; only a change of that
        -- picture needs a rebuild, not every millilitre sold.
        IF TG_OP = 'UPDATE' AND (OLD.low_stock_alert IS DISTINCT FROM NEW.low_stock_alert
             OR (OLD.remaining_volume > 0) IS DISTINCT FROM (NEW.remaining_volume > 0)
             OR NEW.low_stock_alert) THEN
            INSERT INTO catalog_changes (product_id, what) VALUES (NEW.product_id, 'stock');
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_catalog_change AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION record_catalog_change();
CREATE TRIGGER product_sizes_catalog_change AFTER INSERT OR UPDATE OR DELETE ON product_sizes
    FOR EACH ROW EXECUTE FUNCTION record_catalog_change();
CREATE TRIGGER brands_catalog_change AFTER INSERT OR UPDATE OR DELETE ON brands
    FOR EACH ROW EXECUTE FUNCTION record_catalog_change();
CREATE TRIGGER inventory_catalog_change AFTER UPDATE ON inventory
    FOR EACH ROW EXECUTE FUNCTION record_catalog_change();

CREATE TYPE admin_role AS ENUM ('owner', 'staff');

CREATE TABLE admin_users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL CHECK (position('@' IN email) > 1),
    password_hash  text NOT NULL,
    role           admin_role NOT NULL DEFAULT 'staff',
    totp_secret    text,
    totp_last_step bigint,
    is_active      boolean NOT NULL DEFAULT true,
    failed_logins  integer NOT NULL DEFAULT 0,
    locked_until   timestamptz,
    session_epoch  integer NOT NULL DEFAULT 0,
    last_login_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX admin_users_email_unique ON admin_users (lower(email));

CREATE TRIGGER admin_users_updated_at BEFORE UPDATE ON admin_users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id   bigint REFERENCES admin_users (id) ON DELETE SET NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    entity     text NOT NULL,
    entity_id  text,
    before     jsonb,
    after      jsonb,
    ip         inet,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_created ON audit_log (created_at DESC);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The audit log is append-only for everyone, the admin included.
CREATE FUNCTION refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'P0001', HINT = 'append_only';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
