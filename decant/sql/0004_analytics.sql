-- Anonymous shop analytics: no cookies, a random session id from the browser.

CREATE TABLE analytics_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type text NOT NULL CONSTRAINT analytics_events_known_type CHECK (event_type IN
                   ('page_view', 'product_view', 'add_to_cart', 'checkout_started', 'purchase',
                    'search', 'remove_from_cart')),
    data       jsonb NOT NULL DEFAULT '{}',
    product_id bigint REFERENCES products (id) ON DELETE SET NULL,
    session_id text CHECK (length(session_id) <= 64),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX analytics_events_type_created ON analytics_events (event_type, created_at);
CREATE INDEX analytics_events_product_created ON analytics_events (product_id, created_at)
    WHERE product_id IS NOT NULL;
CREATE INDEX analytics_events_data ON analytics_events USING gin (data jsonb_path_ops);
CREATE INDEX analytics_events_created_brin ON analytics_events USING brin (created_at);
