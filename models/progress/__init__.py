"""Progress prediction (LeanProgress) and a dynamic sampling budget (after DS-Prover).

Importing this package is cheap: torch, transformers and lightgbm load only when a model
is trained or loaded. Two model families implement the one predictor protocol: a
fine-tuned transformer and boosted trees over the retrieval features (the CPU-cheap one);
the model directory's manifest says which. The interactive assistant and the server use::

    from models.progress import load_progress_predictor
    predictor = load_progress_predictor("runs/progress-model")
    predictor.predict_remaining_steps(["n : nat\\n============================\\nn + 0 = n"], [[]])
"""

from __future__ import annotations

from models.progress.manifest import (
    FAMILIES,
    INPUT_FORMATS,
    ProgressManifest,
    format_input,
    read_manifest,
)
from models.progress.model import load_progress_predictor
from models.progress.protocol import ProgressPredictor

__all__ = [
    "FAMILIES",
    "INPUT_FORMATS",
    "ProgressManifest",
    "ProgressPredictor",
    "format_input",
    "load_progress_predictor",
    "read_manifest",
]
