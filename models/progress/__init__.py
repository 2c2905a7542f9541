"""Progress prediction (LeanProgress) and a dynamic sampling budget (after DS-Prover).

Importing this package is cheap: torch and transformers load only when a model is
trained or loaded. The interactive assistant and the server use::

    from models.progress import load_progress_predictor
    predictor = load_progress_predictor("runs/progress-model")
    predictor.predict_remaining_steps(["n : nat\\n============================\\nn + 0 = n"], [[]])
"""

from __future__ import annotations

from models.progress.model import (
    INPUT_FORMATS,
    ProgressManifest,
    format_input,
    load_progress_predictor,
    read_manifest,
)
from models.progress.protocol import ProgressPredictor

__all__ = [
    "INPUT_FORMATS",
    "ProgressManifest",
    "ProgressPredictor",
    "format_input",
    "load_progress_predictor",
    "read_manifest",
]
