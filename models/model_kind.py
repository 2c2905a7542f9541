"""Read the ``kind`` a model directory declares in its ``kind.json``.

Every trained model directory (``knn``, ``lm``) carries ``kind.json`` naming its kind, so
that a wrong ``--model`` or ``--init-from`` is refused in one line before anything loads.
Each kind keeps its own check and message (:func:`models.retrieval.kind.check_knn_directory`,
:func:`models.language.training.model.check_model_directory`); this is the one reader they
share. It is cheap: one small JSON file, no model library imported.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["UNREADABLE", "read_model_kind"]

#: What :func:`read_model_kind` returns when there is no readable ``kind.json``.
UNREADABLE = object()


def read_model_kind(directory: Path) -> object:
    """The ``kind`` value of ``directory/kind.json`` (``None`` if the key is absent), or
    :data:`UNREADABLE` when the file is missing, unreadable or not a JSON object."""
    try:
        return json.loads((directory / "kind.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return UNREADABLE
