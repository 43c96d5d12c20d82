-- Discount codes the owner manages: the rules that must hold whoever writes a code,
-- and "once per e-mail" made safe under concurrency.

ALTER TABLE discount_codes
    ADD COLUMN description    text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    ADD COLUMN once_per_email boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT discount_codes_fixed_positive CHECK (kind <> 'amount' OR value > 0),
    ADD CONSTRAINT discount_codes_percent_one_to_hundred CHECK (kind <> 'percent' OR value BETWEEN 1 AND 100),
    ADD CONSTRAINT discount_codes_ends_after_starts CHECK (expires_at IS NULL OR expires_at > starts_at);

-- One row per order that used a once-per-e-mail code. The unique index is what makes
-- the rule hold when two orders from one address race: the second insert waits for
-- the first and then fails. An order that is cancelled or expires voids its row (the
-- code is the shopper's again); a late payment of that order claims it back when no
-- other live order holds it.
CREATE TABLE discount_redemptions (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_id   bigint NOT NULL REFERENCES discount_codes (id),
    order_id  bigint NOT NULL CONSTRAINT discount_redemptions_order_unique UNIQUE
              REFERENCES orders (id) ON DELETE CASCADE,
    email     text NOT NULL CHECK (email = lower(email)),
    voided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX discount_redemptions_once_per_email
    ON discount_redemptions (code_id, email) WHERE voided_at IS NULL;

CREATE FUNCTION void_discount_redemption() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF NEW.status = 'cancelled' AND OLD.status IS DISTINCT FROM 'cancelled' THEN
        UPDATE discount_redemptions SET voided_at = now()
         WHERE order_id = NEW.id AND voided_at IS NULL;
    ELSIF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        UPDATE discount_redemptions r SET voided_at = NULL
         WHERE r.order_id = NEW.id AND r.voided_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM discount_redemptions o
                            WHERE o.code_id = r.code_id AND o.email = r.email
                              AND o.voided_at IS NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_void_discount_redemption AFTER UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION void_discount_redemption();

CREATE INDEX orders_discount_code ON orders (discount_code) WHERE discount_code IS NOT NULL;
