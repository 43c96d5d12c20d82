"""Demo: the invented shop a fresh install shows.

- The catalog (houses, fragrances, discount codes, curated sets) is data:
  catalog.json, read by catalog_data.py.
- Loading it with stock and a few months of generated history: loading.py
  (idempotent by ON CONFLICT; the database rules of the other areas apply as usual).
- Product artwork drawn with Pillow: artwork.py.
"""
