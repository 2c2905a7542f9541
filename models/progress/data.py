"""Progress-prediction examples: states labelled with the steps left to a finished proof.

Model-side half of the training data (the prover turns its own run directories into the
same :class:`ProgressExample` values in :mod:`prover.attempts.progress_data`):

* **traced proofs** (``prover trace``'s directory, contracts.md §1): every row is a state
  with ``remaining_steps`` = proof length − step (LeanProgress's label n − l); the proof
  so far is rebuilt from the earlier rows of the same theorem. Each row keeps the trace's
  ``split``, which is by *file* (sha256 of library and file), so held-out states come from
  files the model never saw: ``valid`` for tuning, ``test`` for reporting;
* **a proof path** (:func:`path_examples`): state i of an n-step proof gets n − i.

Length rebalancing (LeanProgress §3: sampling whole trajectories by proof length) applies
to the training split only and is configurable, because our miniF2F proofs are short
while the trace's run to hundreds of steps.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.progress.file_context import earlier_proof_lengths
from models.trace_data import SPLITS, FileFold, TraceStep, load_trace_steps
from search.errors import ConfigError, InputError

__all__ = [
    "LEANPROGRESS_RATIOS",
    "LENGTH_BUCKETS",
    "NO_REBALANCING",
    "RUN_SOURCE_PREFIX",
    "SPLITS",
    "ProgressExample",
    "RebalanceRatios",
    "bucket_name",
    "deduplicate",
    "examples_by_split",
    "parse_ratios",
    "path_examples",
    "rebalance",
    "sample_examples",
    "trace_examples",
]

logger = logging.getLogger(__name__)

#: ``ProgressExample.source`` of the states of the prover's own verified proofs.
RUN_SOURCE_PREFIX = "search:"

#: Proof-length buckets of LeanProgress's balancing table and of our per-bucket metrics.
LENGTH_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (1, 5),
    (6, 10),
    (11, 15),
    (16, 20),
    (21, None),
)


@dataclass(frozen=True, kw_only=True)
class ProgressExample:
    """One labelled state: ``remaining_steps`` tactics separate it from a finished proof.

    ``theorem`` identifies the proof (trace rows: ``library:file:name``); ``file`` and
    ``split`` say where the state comes from (search runs are always ``train``);
    ``total_steps`` is the whole proof's length when the source knows it (a trace row
    whose earlier steps were de-duplicated away still knows it); ``earlier_proof_lengths``
    are the lengths of the proofs above the theorem in its file (trace rows only, file
    order; :mod:`models.progress.file_context`).
    """

    state: str
    proof_so_far: tuple[str, ...]
    remaining_steps: int
    theorem: str
    source: str
    file: str = ""
    split: str = "train"
    total_steps: int | None = None
    earlier_proof_lengths: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {self.split!r}")

    @property
    def proof_length(self) -> int:
        """Length of the proof this state lies on (chooses the length bucket)."""
        if self.total_steps is not None:
            return self.total_steps
        return len(self.proof_so_far) + self.remaining_steps

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the example."""
        return {
            "state": self.state,
            "proof_so_far": list(self.proof_so_far),
            "remaining_steps": self.remaining_steps,
            "theorem": self.theorem,
            "source": self.source,
            "file": self.file,
            "split": self.split,
            "proof_length": self.proof_length,
        }


def bucket_name(length: int) -> str:
    """The bucket label (``"1-5"`` … ``"21+"``) of a proof length."""
    for low, high in LENGTH_BUCKETS:
        if length >= low and (high is None or length <= high):
            return f"{low}+" if high is None else f"{low}-{high}"
    return "0"


# ------------------------------------------------------------------ sources
def trace_examples(
    directory: Path, *, splits: Sequence[str] = SPLITS, test_fold: FileFold | None = None
) -> list[ProgressExample]:
    """The examples of a trace directory's rows in ``splits`` (InputError names a bad dir).

    ``test_fold`` replaces the trace's split by a cross-validation fold's (by file).
    """
    rows = load_trace_steps(Path(directory), splits=tuple(splits), test_fold=test_fold)
    tactics: dict[tuple[str, str, str], dict[int, str]] = {}
    for row in rows:
        tactics.setdefault(_proof_key(row), {})[row.step] = row.tactic
    source = f"trace:{directory}"
    contexts = earlier_proof_lengths(
        (f"{row.library}:{row.file}", ":".join(_proof_key(row)), row.proof_length) for row in rows
    )
    examples = []
    for row in rows:
        earlier = tactics[_proof_key(row)]
        examples.append(
            ProgressExample(
                state=row.whole_state,
                proof_so_far=tuple(earlier[s] for s in sorted(earlier) if s < row.step),
                remaining_steps=row.remaining_steps,
                theorem=":".join(_proof_key(row)),
                source=source,
                file=f"{row.library}:{row.file}",
                split=row.split,
                total_steps=row.proof_length,
                earlier_proof_lengths=contexts[":".join(_proof_key(row))],
            )
        )
    return examples


def _proof_key(row: TraceStep) -> tuple[str, str, str]:
    return (row.library, row.file, row.theorem)


def path_examples(
    *, theorem: str, states: Sequence[str], tactics: Sequence[str], source: str, file: str = ""
) -> list[ProgressExample]:
    """State i of an n-tactic proof labelled n − i (training split)."""
    if len(states) != len(tactics):
        raise InputError(f"{source}: {theorem} has {len(states)} states for {len(tactics)} tactics")
    return [
        ProgressExample(
            state=state,
            proof_so_far=tuple(tactics[:index]),
            remaining_steps=len(tactics) - index,
            theorem=theorem,
            source=source,
            file=file,
        )
        for index, state in enumerate(states)
    ]


def deduplicate(examples: Iterable[ProgressExample]) -> list[ProgressExample]:
    """One example per (split, theorem, state, proof so far), keeping the smallest label."""
    best: dict[tuple[str, str, str, tuple[str, ...]], ProgressExample] = {}
    for example in examples:
        key = (example.split, example.theorem, example.state, example.proof_so_far)
        if key not in best or example.remaining_steps < best[key].remaining_steps:
            best[key] = example
    return list(best.values())


def examples_by_split(examples: Iterable[ProgressExample]) -> dict[str, list[ProgressExample]]:
    """``{"train": [...], "valid": [...], "test": [...]}`` (every split present, maybe empty)."""
    grouped: dict[str, list[ProgressExample]] = {split: [] for split in SPLITS}
    for example in examples:
        grouped[example.split].append(example)
    return grouped


# ------------------------------------------------------------------ rebalancing
@dataclass(frozen=True, kw_only=True)
class RebalanceRatios:
    """Sampling ratio per proof-length bucket (LeanProgress §3, Table "balancing")."""

    ratios: tuple[tuple[int, int | None, float], ...]

    def __post_init__(self) -> None:
        for low, high, ratio in self.ratios:
            if not (0.0 <= ratio <= 1.0) or math.isnan(ratio):
                raise ConfigError(f"rebalance ratio for {low}-{high} must lie in [0, 1]: {ratio}")
            if low < 1 or (high is not None and high < low):
                raise ConfigError(f"rebalance bucket {low}-{high} is not a length range")

    def ratio(self, length: int) -> float:
        """The keep probability of a proof of ``length`` steps (1.0 if no bucket matches)."""
        for low, high, ratio in self.ratios:
            if length >= low and (high is None or length <= high):
                return ratio
        return 1.0

    def describe(self) -> str:
        """``"1-5:0.01,6-10:0.3,…"`` (the form :func:`parse_ratios` reads)."""
        return ",".join(
            f"{low}{'+' if high is None else f'-{high}'}:{ratio:g}"
            for low, high, ratio in self.ratios
        )


LEANPROGRESS_RATIOS = RebalanceRatios(
    ratios=((1, 5, 0.01), (6, 10, 0.3), (11, 15, 0.5), (16, 20, 0.7), (21, None, 1.0))
)
NO_REBALANCING = RebalanceRatios(ratios=())


def parse_ratios(text: str) -> RebalanceRatios:
    """``none``, ``leanprogress`` or a spec such as ``1-5:0.5,6-10:1,21+:1``."""
    if text == "none":
        return NO_REBALANCING
    if text == "leanprogress":
        return LEANPROGRESS_RATIOS
    parsed = []
    for part in text.split(","):
        try:
            bucket, ratio = part.split(":")
            if bucket.endswith("+"):
                low, high = int(bucket[:-1]), None
            else:
                first, last = bucket.split("-")
                low, high = int(first), int(last)
            parsed.append((low, high, float(ratio)))
        except ValueError as error:
            raise ConfigError(
                f"rebalance must be none, leanprogress or like 1-5:0.5,6+:1; got {text!r}"
            ) from error
    return RebalanceRatios(ratios=tuple(parsed))


def rebalance(
    examples: Sequence[ProgressExample], ratios: RebalanceRatios, *, seed: int
) -> list[ProgressExample]:
    """Keep each theorem's trajectory with its length bucket's probability (whole, by hash).

    The decision is per (theorem, proof length), so a trajectory is kept or dropped as a
    unit, and reproducibly for a given ``seed``.
    """
    kept = []
    for example in examples:
        ratio = ratios.ratio(example.proof_length)
        key = f"{example.theorem}\x00{example.proof_length}"
        if ratio >= 1.0 or _unit_hash(seed, key) < ratio:
            kept.append(example)
    return kept


def sample_examples(
    examples: Sequence[ProgressExample], limit: int | None, *, seed: int
) -> list[ProgressExample]:
    """At most ``limit`` examples, chosen by a seeded hash of (theorem, state) (stable).

    The states of the prover's own proofs (source ``search:...``) are always kept and count
    towards ``limit``: they are the few in-domain examples that expert iteration adds, and a
    sample sized for the trace would otherwise drop most of them.
    """
    if limit is None or len(examples) <= limit:
        return list(examples)
    own = [e for e in examples if e.source.startswith(RUN_SOURCE_PREFIX)]
    traced = [e for e in examples if not e.source.startswith(RUN_SOURCE_PREFIX)]
    ranked = sorted(
        traced, key=lambda e: _unit_hash(seed, f"{e.theorem}\x00{e.state}\x00{e.proof_so_far}")
    )
    return own + ranked[: max(0, limit - len(own))]


def _unit_hash(seed: int, text: str) -> float:
    digest = hashlib.sha256(f"{seed}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / float(1 << 64)
