"""The build step (decant.site): the catalog in PostgreSQL -> the static site shoppers see.

Pelican renders the editorial Markdown in content/ and the journal's Atom feed; the
plugin (decant.site.plugin, a Pelican generator) renders the catalog pages with the theme's
templates. Each build writes a fresh directory under public/builds/ and only when
everything succeeded is public/current swapped to it (rename of a symlink), so Nginx
never serves a half-built site.

Incremental: every catalog page's key is a hash of exactly the data its template
reads (plus the theme's fingerprint). A page whose key equals the one in the previous
build's manifest is not rendered at all but hard-linked from the previous build, so
its bytes, inode and timestamp stay. A page rendered again whose bytes came out the
same is linked too (its ETag does not move). `catalog_changes` says what is not yet
published; each build records the last change id it published in `build_runs`.

What keeps a one-product rebuild at 10,000 products near a second: the build keeps
the catalog rows it read beside its manifest (`<build>.catalog.pickle`) and the next
one re-reads only products whose row versions moved (decant.publishing.build_queue.catalog_fingerprints);
product pages whose inputs provably did not change keep their key without being
planned again (product_pages.ProductPages.unchanged_product_keys); product pages are flat files
(products/<slug>.html, served at /products/<slug>/), so carrying them over is two
hard links each and no directory per product; those 20,000 links are made by one
`cp -lR` of the previous products/ directory, started before the catalog is read, on
the other core (Output.prelink_start); the catalog index keeps each product's JSON
entry in the snapshot and re-serializes only the changed products' entries.

Run as `decant build [--full]` or `python build.py [--full]`.

Modules: snapshot (reading the catalog), planner + a module per page kind
(product_pages, catalog_pages, set_pages, brand_and_note_pages, feeds), rules (which
pages an edit rewrites, as data), output (writing and carrying files), assets,
plugin (Pelican), run (Build, main, swap_current, prune). theme/ and content/ are read
from the repository root (paths.ROOT).
"""
