"""Catalog: products, their sizes and prices, brands, curated sets, images.

- What the shop lists and shows: reading.py (live stock per size is
  floor(remaining_volume / size_ml)).
- Editing and prices (owner only, audited): editing.py; CSV: csv_transfer.py.
- "Not yet published": triggers record_catalog_change in decant/sql/0005_operations.sql
  (and 0080 for sets) write catalog_changes; slugs, sizes and prices are CHECKs in 0001.
- Cache keys: cache_versions.py reads the versions decant/sql/0020 bumps on every change.
- Search folding: search_text.py, the same rule as decant_fold() in decant/sql/0075.
- Curated sets: curated_sets.py; a set stays below its samples' price by the
  constraint trigger curated_sets_price_below_sum in decant/sql/0080_curated_sets.sql.
- Photos: image_uploads.py (checked, re-encoded), media_store.py, product_images.py.
"""
