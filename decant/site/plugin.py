"""The Pelican plugin: a generator that renders the catalog pages of the build
Pelican is running. Pelican loads it as the module object decant.site.plugin."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from pelican import signals
from pelican.generators import Generator


class RunningBuild(Protocol):
    """What the plugin needs of the build it runs inside (decant.site.run.Build)."""

    pelican_written: list[Path]

    def render_catalog(self, generator: Generator) -> None: ...


_active: RunningBuild | None = None  # the build Pelican is running; set around Pelican.run()


@contextmanager
def running(build: RunningBuild) -> Iterator[None]:
    """Pelican calls the plugin's functions with no handle on the caller: the build
    running Pelican is named here for as long as Pelican runs."""
    global _active
    _active = build
    try:
        yield
    finally:
        _active = None


class CatalogGenerator(Generator):
    """Pelican generator for every page made from the catalog."""

    def generate_context(self) -> None:
        """The catalog was read before Pelican started, in one snapshot."""

    def generate_output(self, writer: Any) -> None:
        assert _active is not None, "the catalog generator runs only inside build.main"
        _active.render_catalog(self)


def _generators(pelican_object: Any) -> type[Generator]:
    return CatalogGenerator


def _written(path: str, context: Any = None) -> None:
    if _active is not None:
        _active.pelican_written.append(Path(path))


def _feed_written(path: str, context: Any = None, feed: Any = None) -> None:
    _written(path, context)


def register() -> None:
    signals.get_generators.connect(_generators)
    signals.content_written.connect(_written)
    # Feeds too: every file Pelican writes is adopted by the build's own writer
    # (world-readable whatever the umask, carried over when its bytes are the same).
    signals.feed_written.connect(_feed_written)
