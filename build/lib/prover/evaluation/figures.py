"""Figures of an eval report, drawn with matplotlib (Agg) and returned as inline PNG data URIs."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "bar_figure",
    "graph_figure",
    "histogram_figure",
    "passk_figure",
]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _to_data_uri(figure: Any) -> str:
    plt = _pyplot()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def passk_figure(curves: Mapping[str, Sequence[tuple[int, float]]]) -> str:
    """pass@k against k, one line per run (label → [(k, pass@k)])."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 3.6))
    for label, points in curves.items():
        axes.plot([k for k, _ in points], [100 * v for _, v in points], marker="o", label=label)
    axes.set_xlabel("k (attempts)")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_ylabel("pass@k (%)")
    axes.set_ylim(0, 100)
    axes.set_title("pass@k (unbiased estimator)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    return _to_data_uri(figure)


def bar_figure(
    groups: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, ylabel: str
) -> str:
    """Grouped bars: one group per category, one bar per series."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 3.6))
    width = 0.8 / max(1, len(series))
    for index, (label, values) in enumerate(series.items()):
        positions = [g + index * width for g in range(len(groups))]
        axes.bar(positions, values, width=width, label=label)
    axes.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], groups, rotation=30)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize=8)
    return _to_data_uri(figure)


def histogram_figure(values: Sequence[float], *, title: str, xlabel: str) -> str:
    """A histogram of per-attempt values."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 3.2))
    axes.hist(list(values) or [0.0], bins=20, color="#4c72b0")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("attempts")
    return _to_data_uri(figure)


def graph_figure(node_link_json: str, *, title: str) -> str:
    """A picture of a stored search graph: proved states green, failed red, open grey."""
    import networkx as nx

    plt = _pyplot()
    data = json.loads(node_link_json)
    graph = nx.node_link_graph(data, edges="links")
    # Failed-tactic terminals and self-loops (a tactic leaving the state unchanged) only clutter.
    graph.remove_nodes_from(
        [n for n in list(graph.nodes) if str(n).startswith("terminal:") and "proof" not in str(n)]
    )
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    colours = {"proved": "#8fd18f", "failed": "#f2a0a0", "open": "#dddddd"}
    node_colours = [
        "#ffd54f" if str(node).startswith("terminal:") else colours.get(attrs.get("status"), "#ddd")
        for node, attrs in graph.nodes(data=True)
    ]
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    positions = _layered_layout(graph)
    nx.draw_networkx(
        graph,
        pos=positions,
        ax=axes,
        node_color=node_colours,
        node_size=160,
        with_labels=False,
        arrows=True,
        arrowsize=8,
        width=0.6,
    )
    edge_labels = {
        (u, v): str((attrs.get("tactics") or [""])[0])[:18]
        for u, v, attrs in graph.edges(data=True)
        if graph.number_of_edges() <= 40
    }
    nx.draw_networkx_edge_labels(graph, positions, edge_labels=edge_labels, font_size=6, ax=axes)
    axes.set_title(title, fontsize=9)
    axes.axis("off")
    return _to_data_uri(figure)


def _layered_layout(graph: Any) -> dict[Any, tuple[float, float]]:
    """Nodes placed by depth from the root (top to bottom), spread evenly across each layer."""
    import networkx as nx

    roots = [n for n, degree in graph.in_degree() if degree == 0] or list(graph.nodes)[:1]
    depth: dict[Any, int] = {}
    for root in roots:
        for node, length in nx.single_source_shortest_path_length(graph, root).items():
            depth[node] = min(length, depth.get(node, length))
    layers: dict[int, list[Any]] = {}
    for node in graph.nodes:
        layers.setdefault(depth.get(node, 0), []).append(node)
    positions = {}
    for level, nodes in layers.items():
        for index, node in enumerate(nodes):
            positions[node] = ((index + 1) / (len(nodes) + 1), -float(level))
    return positions
