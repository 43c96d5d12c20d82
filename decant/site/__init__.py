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

What makes a one-product rebuild follow the edit, not the catalog's size:
- Product pages live in a hundred shard directories (products/<shard>/<slug>.html,
  the shard being Nginx's own split_clients bucket of the slug:
  decant.publishing.product_shards). A build points its shard links where the
  previous build's point and copies (hard links) only a shard it writes into
  (shard_dirs): a hundred symlinks and one shard, not 30,000 links, and every build
  stays whole and untouched for rollback. Old builds and unused shards are pruned by a
  rename and a background `rm`.
- The catalog is re-read only for products with a row (product, inventory, size)
  written since the previous build's snapshot, found by comparing row xids with that
  snapshot's horizon (decant.publishing.build_queue.changed_product_ids), whatever
  order the writers committed in.
- The worker keeps the last build's plan in memory (resident): catalog rows, cards
  and their digests and rendered HTML, note lists, facets, the search index and every
  grid page (catalog, brand, note) with its key. While an edit keeps the catalog's
  shape (no product came, went, was renamed or changed notes), only the re-read
  products' cards and the pages showing them are planned again. Another process starts
  from `<build>.catalog.pickle`, saved after the swap on a thread of its own.
- Every file and directory is made world-readable as it is written (output.
  PUBLIC_FILE_MODE): no walk over the build before the swap.

What still grows with the catalog (measured in bench/publish.py): a pass over every
product page's plan, the sitemap, the catalog's filter index (catalog/index.json, one
file: joined and compressed again on every price or stock change) and the manifest.

Run as `decant build [--full]` or `python build.py [--full]`.

Modules: snapshot (reading the catalog), planner + a module per page kind
(product_pages, catalog_pages, set_pages, brand_and_note_pages, feeds), rules (which
pages an edit rewrites, as data), output (writing and carrying files), assets,
plugin (Pelican), run (Build, main, swap_current, prune), shard_dirs (copy-on-write
product shards), resident (the last plan, kept in the worker's memory). theme/ and content/ are read
from the repository root (paths.ROOT).
"""
