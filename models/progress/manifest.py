"""The progress model directory's manifest: which family, input format and label scale.

Every progress model directory holds ``progress_manifest.json``: the model family
(:data:`FAMILIES`: ``transformer``, a fine-tuned sequence-regression encoder, or
``boosted``, gradient-boosted trees over hashed retrieval features), the input format it
was trained for, ``n_max`` (the largest label seen in training, our fixed N_max of
LeanProgress's N(s) = −2·n̂/N_max) and the training labels' statistics.
:func:`models.progress.load_progress_predictor` reads it to choose the family. Manifests
written before families existed have no ``family`` and are transformers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from search.errors import ConfigError, InputError

__all__ = [
    "FAMILIES",
    "INPUT_FORMATS",
    "MANIFEST_NAME",
    "TARGETS",
    "ManifestProperties",
    "ProgressManifest",
    "check_aligned",
    "decode_output",
    "encode_label",
    "format_input",
    "manifest_dict",
    "read_manifest",
]

MANIFEST_NAME = "progress_manifest.json"
MANIFEST_KIND = "prover-progress-model"
MANIFEST_VERSION = 1
#: LeanProgress's two input formats (§2.3 of the reference): state only, or state + history.
INPUT_FORMATS = ("state", "state+proof")
#: Model families: a fine-tuned transformer encoder, or boosted trees (the CPU-cheap one).
FAMILIES = ("transformer", "boosted")
#: What the model outputs: remaining steps standardised with the label statistics
#: (manifests written before the trace existed), or log(1 + steps).
TARGETS = ("steps", "log1p", "sqrt1p")


def format_input(state: str, proof_so_far: Sequence[str], input_format: str) -> str:
    """The transformer's input text for a state (LeanProgress's templates)."""
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
    """What a progress model was trained for; written next to its weights.

    ``backbone`` and ``max_length`` describe a transformer (empty/0 for boosted trees);
    ``feature_bits``, ``trees``, ``neighbours`` (the neighbour-label features' k, 0 for
    none) and ``file_context`` (the lengths of the proofs above the theorem are features,
    :mod:`models.progress.file_context`) describe boosted trees (0/False for a transformer).
    ``target`` is what the model outputs; a transformer's output is standardised with
    ``target_mean``/``target_std`` (log1p target) or ``label_mean``/``label_std`` (steps).
    """

    input_format: str
    n_max: int
    label_mean: float
    label_std: float
    label_min: int
    label_max: int
    train_examples: int
    family: str = "transformer"
    backbone: str = ""
    max_length: int = 0
    feature_bits: int = 0
    trees: int = 0
    neighbours: int = 0
    file_context: bool = False
    label_median: float | None = None
    target: str = "steps"
    target_mean: float = 0.0
    target_std: float = 1.0
    kind: str = MANIFEST_KIND
    version: int = MANIFEST_VERSION

    def __post_init__(self) -> None:
        if self.input_format not in INPUT_FORMATS:
            raise ConfigError(
                f"input_format must be one of {INPUT_FORMATS}, got {self.input_format!r}"
            )
        if self.family not in FAMILIES:
            raise ConfigError(f"family must be one of {FAMILIES}, got {self.family!r}")
        if self.target not in TARGETS:
            raise ConfigError(f"target must be one of {TARGETS}, got {self.target!r}")
        if not self.target_std > 0:
            raise ConfigError(f"target_std must be positive, got {self.target_std!r}")
        if self.n_max < 1:
            raise ConfigError(f"n_max must be at least 1, got {self.n_max!r}")
        if not self.label_std > 0:
            raise ConfigError(f"label_std must be positive, got {self.label_std!r}")

    def write(self, directory: Path) -> None:
        """Write ``directory/progress_manifest.json``."""
        (directory / MANIFEST_NAME).write_text(json.dumps(asdict(self), indent=2) + "\n")


class ManifestProperties:
    """The :class:`ProgressPredictor` properties every model family reads off its manifest."""

    manifest: ProgressManifest

    @property
    def input_format(self) -> str:
        """The input format the model was trained for."""
        return self.manifest.input_format

    @property
    def n_max(self) -> int:
        """N_max of the progress term: the largest remaining-steps label seen in training."""
        return self.manifest.n_max


def check_aligned(states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]) -> None:
    """Raise unless there is one proof so far per state."""
    if len(states) != len(proofs_so_far):
        raise ValueError(f"{len(states)} states but {len(proofs_so_far)} proofs so far")


def read_manifest(directory: Path) -> ProgressManifest:
    """The manifest of a model directory; :class:`InputError` if it is not a progress model."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        raise InputError(f"{directory}: not a progress model directory (no {MANIFEST_NAME})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise InputError(f"{path}: the manifest is not a JSON object")
        if data.get("kind") != MANIFEST_KIND:
            raise InputError(f"{path}: kind is {data.get('kind')!r}, not {MANIFEST_KIND!r}")
        if data.get("version") != MANIFEST_VERSION:
            raise InputError(f"{path}: manifest version {data.get('version')!r} is unsupported")
        return ProgressManifest(**data)
    except (OSError, json.JSONDecodeError, TypeError, ConfigError) as error:
        raise InputError(f"{path}: unreadable progress manifest: {error}") from error


def manifest_dict(manifest: ProgressManifest) -> dict[str, Any]:
    """The manifest as a plain dict (for metrics and reports)."""
    return asdict(manifest)


def encode_label(manifest: ProgressManifest, label: float) -> float:
    """The transformer's regression target for a remaining-steps label."""
    if manifest.target == "log1p":
        return (math.log1p(label) - manifest.target_mean) / manifest.target_std
    return (label - manifest.label_mean) / manifest.label_std


def decode_output(manifest: ProgressManifest, output: float) -> float:
    """Remaining steps (≥ 0) from the transformer's output (inverse of :func:`encode_label`)."""
    if manifest.target == "log1p":
        return max(0.0, math.expm1(output * manifest.target_std + manifest.target_mean))
    return max(0.0, output * manifest.label_std + manifest.label_mean)
