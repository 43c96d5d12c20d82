"""Fixtures for the storefront tests: a small catalog, builds of it, and the built
site served with the functions on a real threaded WSGI server on a free port."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from decant.platform.config import Settings
from decant.site import run as site_run
from tests.factories import Shop
from tests.ports import free_port


def small_catalog(shop: Shop) -> list[str]:
    """Six fragrances from two houses, one of them inactive, one sharing no note."""
    shop.product(
        "rose-noir",
        brand="Maison Test",
        name="Rose Noir",
        sizes={1: 350, 2: 600, 5: 1400},
        top_notes=["Bergamot", "Pink Pepper"],
        heart_notes=["Rose"],
        base_notes=["Musk", "Patchouli"],
        accords=["floral", "spicy"],
        gender="women",
        description="A dark rose.\n\nWith pepper and patchouli.",
        perfumer="Ada Nose",
        launch_year=2019,
    )
    shop.product(
        "vetiver-fumee",
        brand="Maison Test",
        name="Vetiver Fumée",
        sizes={2: 500, 5: 1200, 10: 2200},
        top_notes=["Grapefruit"],
        heart_notes=["Vetiver"],
        base_notes=["Musk", "Cedar"],
        accords=["woody", "smoky"],
        gender="men",
        concentration="Eau de Toilette",
    )
    shop.product(
        "oud-royal",
        brand="Atelier Nord",
        name="Oud Royal",
        sizes={1: 900, 2: 1700},
        heart_notes=["Oud", "Rose"],
        base_notes=["Amber"],
        accords=["woody", "oriental"],
    )
    shop.product("iris-poudre", brand="Atelier Nord", name="Iris Poudré", ml=3)
    shop.product(
        "neroli-soleil",
        brand="Atelier Nord",
        name="Néroli Soleil",
        top_notes=["Lemon"],
        heart_notes=["Neroli"],
        base_notes=["Ambrette"],
        accords=["citrus"],
    )
    shop.product("retired-scent", brand="Atelier Nord", name="Retired Scent", is_active=False)
    return ["rose-noir", "vetiver-fumee", "oud-royal", "iris-poudre", "neroli-soleil"]


@pytest.fixture
def catalog_shop(shop: Shop) -> Shop:
    small_catalog(shop)
    return shop


@pytest.fixture
def build_site(settings: Settings) -> Callable[..., dict[str, Any]]:
    """build_site(full=False) runs the real build for this test's shop."""

    def run(**kwargs: Any) -> dict[str, Any]:
        return site_run.main(settings, **kwargs)

    return run


def serve_wsgi(app: Any) -> tuple[str, Callable[[], None]]:
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def live_shop(settings: Settings, catalog_shop: Shop, build_site) -> Iterator[str]:
    """The built site and the functions on one port, as `decant serve` runs them."""
    from functions import create_app
    from functions.web.static_site import local_site

    build_site(full=True)
    app = local_site(create_app(settings), Path(settings.public_dir))
    base, stop = serve_wsgi(app)
    yield base
    stop()
    app.extensions["decant"].close()
