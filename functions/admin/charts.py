"""Dashboard charts as SVG (pygal), shown as <img> so they need no JavaScript and the
admin's CSP stays strict; each chart stands beside a table of the same numbers."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pygal
from pygal.style import Style

CALM = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#2b2724",
    foreground_strong="#2b2724",
    foreground_subtle="#7a716a",
    colors=("#7b5e57", "#c9b8ae", "#3f6b4f", "#9a5b1c"),
    font_family="Georgia, serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
)


def _data_uri(chart: pygal.graph.graph.Graph) -> str:
    svg = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _base(kind: type, title: str, labels: Sequence[str]) -> pygal.graph.graph.Graph:
    chart = kind(
        style=CALM,
        js=[],  # no tooltip script from a CDN
        width=720,
        height=300,
        show_legend=True,
        legend_at_bottom=True,
        x_label_rotation=30 if len(labels) > 12 else 0,
        title=title,
        print_values=False,
    )
    chart.x_labels = list(labels)
    return chart


def bars(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]]) -> str:
    chart = _base(pygal.Bar, title, labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return _data_uri(chart)


def line(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]]) -> str:
    chart = _base(pygal.Line, title, labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return _data_uri(chart)


def horizontal(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    chart = pygal.HorizontalBar(
        style=CALM,
        js=[],
        width=720,
        height=max(200, 28 * len(labels) + 80),
        title=title,
        show_legend=False,
    )
    for label, value in zip(reversed(list(labels)), reversed(list(values)), strict=True):
        chart.add(label, [{"value": value, "label": label}])
    chart.show_legend = True
    return _data_uri(chart)
