-- The catalog: houses, fragrances with their notes pyramid, and the sizes sold.

CREATE FUNCTION decant_slug(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT trim(BOTH '-' FROM regexp_replace(lower(value), '[^a-z0-9]+', '-', 'g'))
$$;

CREATE FUNCTION decant_slugs(value text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT decant_slug(item)), '{}'::text[]) FROM unnest(value) AS item
$$;

-- array_to_string is only STABLE in general; on text[] it cannot change, and the
-- search vector below needs an immutable expression.
CREATE FUNCTION decant_join(value text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_to_string(value, ' '), '')
$$;

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TYPE gender AS ENUM ('women', 'men', 'unisex');

CREATE TABLE brands (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT brands_name_unique UNIQUE CHECK (length(name) BETWEEN 1 AND 120),
    slug        text GENERATED ALWAYS AS (decant_slug(name)) STORED
                CONSTRAINT brands_slug_unique UNIQUE,
    country     text,
    founded     integer CHECK (founded BETWEEN 1700 AND 2100),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER brands_updated_at BEFORE UPDATE ON brands
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE products (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text NOT NULL CONSTRAINT products_slug_unique UNIQUE
                  CONSTRAINT products_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 160),
    brand         text NOT NULL REFERENCES brands (name) ON UPDATE CASCADE,
    brand_slug    text GENERATED ALWAYS AS (decant_slug(brand)) STORED,
    concentration text NOT NULL DEFAULT 'Eau de Parfum',
    gender        gender NOT NULL DEFAULT 'unisex',
    description   text NOT NULL DEFAULT '',
    top_notes     text[] NOT NULL DEFAULT '{}',
    heart_notes   text[] NOT NULL DEFAULT '{}',
    base_notes    text[] NOT NULL DEFAULT '{}',
    accords       text[] NOT NULL DEFAULT '{}',
    note_slugs    text[] GENERATED ALWAYS AS (decant_slugs(top_notes || heart_notes || base_notes)) STORED,
    accord_slugs  text[] GENERATED ALWAYS AS (decant_slugs(accords)) STORED,
    launch_year   integer CHECK (launch_year BETWEEN 1850 AND 2100),
    perfumer      text,
    images        text[] NOT NULL DEFAULT '{}',
    is_active     boolean NOT NULL DEFAULT true,
    search        tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('simple'::regconfig, name), 'A')
                   || setweight(to_tsvector('simple'::regconfig, brand), 'A')
                   || setweight(to_tsvector('simple'::regconfig,
                          decant_join(top_notes || heart_notes || base_notes || accords)), 'B')
                   || setweight(to_tsvector('simple'::regconfig, coalesce(perfumer, '')), 'C')
                   || setweight(to_tsvector('english'::regconfig, description), 'D')
                  ) STORED,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX products_brand_slug ON products (brand_slug);
CREATE INDEX products_lower_name ON products (lower(name));
CREATE INDEX products_created_at ON products (created_at DESC);
CREATE INDEX products_top_notes ON products USING gin (top_notes);
CREATE INDEX products_heart_notes ON products USING gin (heart_notes);
CREATE INDEX products_base_notes ON products USING gin (base_notes);
CREATE INDEX products_accords ON products USING gin (accords);
CREATE INDEX products_note_slugs ON products USING gin (note_slugs);
CREATE INDEX products_accord_slugs ON products USING gin (accord_slugs);
CREATE INDEX products_search ON products USING gin (search);

CREATE TRIGGER products_updated_at BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE product_sizes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    size_ml     numeric(6, 2) NOT NULL CONSTRAINT product_sizes_positive CHECK (size_ml > 0 AND size_ml <= 100),
    price_cents integer NOT NULL CONSTRAINT product_sizes_price_positive CHECK (price_cents > 0 AND price_cents <= 10000000),
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT product_sizes_one_per_volume UNIQUE (product_id, size_ml)
);

CREATE INDEX product_sizes_price ON product_sizes (product_id, price_cents) WHERE is_active;

CREATE TRIGGER product_sizes_updated_at BEFORE UPDATE ON product_sizes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
