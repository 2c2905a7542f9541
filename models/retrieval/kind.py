"""Recognise a knn model directory by its ``kind.json`` (cheap: no numpy, no index load).

The generator configuration calls :func:`check_knn_directory` when it is built, so a wrong
``--model`` is refused with one line naming the path before anything starts.
"""

from __future__ import annotations

from pathlib import Path

from models.model_kind import UNREADABLE, read_model_kind
from search.errors import ConfigError

__all__ = ["FORMAT", "KIND", "check_knn_directory"]

KIND = "knn"
FORMAT = 1


def check_knn_directory(directory: Path) -> None:
    """Refuse anything but a knn model directory, with one line naming the path."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such knn model directory")
    kind = read_model_kind(directory)
    if kind is UNREADABLE:
        raise ConfigError(
            f"{directory}: not a knn model directory (no readable kind.json; "
            "make one with `prover train-generator --kind knn`)"
        )
    if kind != KIND:
        raise ConfigError(f"{directory}: a {kind!r} model directory, not a knn one")
