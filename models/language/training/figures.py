"""The loss-curve picture: train and held-out valid loss per optimizer step."""

from __future__ import annotations

from pathlib import Path

from models.language.training.loop import LossCurve

__all__ = ["plot_loss_curve"]


def plot_loss_curve(curve: LossCurve, path: Path, *, title: str) -> None:
    """Write ``curve`` as a PNG at ``path`` (matplotlib's Agg canvas; no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.2), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    if curve.train:
        axes.plot([p[0] for p in curve.train], [p[2] for p in curve.train], label="train")
    if curve.valid:
        axes.plot(
            [p[0] for p in curve.valid],
            [p[2] for p in curve.valid],
            marker="o",
            label="valid (held out)",
        )
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("loss per tactic token (nats)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(str(path))
