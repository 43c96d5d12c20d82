"""Which of 100 shard directories holds a product's page, the way Nginx finds it.

A build directory holds products/00 … products/99, each a symlink to a shard directory
under public/shards/ that builds share until one of its pages changes (then that build
gets a copy of the shard with the new page: copy-on-write, a hundredth of the catalog).
So a one-product build makes 100 symlinks and one shard's links, not 30,000 links,
whatever the catalog's size, and every build stays whole and immutable for rollback.

The shard is Nginx's own split_clients bucket of the slug (MurmurHash2, 1 % each), so
Nginx maps /products/<slug>/ to products/<shard>/<slug>.html with no file of its own
to keep in step (deploy/nginx/snippets/decant-product-shards.conf)."""

from __future__ import annotations

import functools

SHARDS = 100
# split_clients cuts the 32-bit hash space into parts of percent * 0xffffffff / 10000
# (integer division, per part), a value falling in the first part whose running total
# exceeds it; the last, "*", takes the rest.
PART = 100 * 0xFFFFFFFF // 10000
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Nginx's ngx_murmur_hash2 (MurmurHash2, seed 0)."""
    length = len(data)
    h = length & _MASK
    i = 0
    while length - i >= 4:
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = (h * _M) & _MASK
        h ^= k
        i += 4
    rest = length - i
    if rest == 3:
        h ^= data[i + 2] << 16
    if rest >= 2:
        h ^= data[i + 1] << 8
    if rest >= 1:
        h ^= data[i]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


@functools.lru_cache(maxsize=200_000)  # a build asks for every product's, every build
def product_shard(slug: str) -> str:
    return f"{min(murmur2(slug.encode()) // PART, SHARDS - 1):02d}"


@functools.lru_cache(maxsize=200_000)
def product_file(slug: str) -> str:
    """The file, relative to a build, that serves /products/<slug>/."""
    return f"products/{product_shard(slug)}/{slug}.html"


def all_shards() -> list[str]:
    return [f"{n:02d}" for n in range(SHARDS)]


def split_clients_block(source: str = "$decant_product_slug") -> str:
    """The split_clients block the Nginx snippet holds (a test compares the two)."""
    lines = [f"split_clients {source} $decant_product_shard {{"]
    lines += [f"    1% {shard};" for shard in all_shards()[:-1]]
    lines.append(f"    * {all_shards()[-1]};")
    lines.append("}")
    return "\n".join(lines)
