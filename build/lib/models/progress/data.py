"""Progress-prediction examples: states labelled with the steps left to a finished proof.

Two sources feed the dataset (LeanProgress, arXiv 2502.17925, §3):

* the project's own search runs (``DIR/results.jsonl`` of ``prover prove``/``prover eval``):
  every proved node of a verified search carries ``remaining_steps``, the length of the
  shortest path to a finished proof *in that search graph*; records without
  ``proved_nodes`` fall back to ``proof_states``/``proof`` (state i of an n-step proof
  gets n − i);
* LeanDojo-style traced tactics (JSONL, one theorem trace per line, with
  ``traced_tactics``/``sstrace``/``trace`` steps holding ``state_before`` and ``tactic``):
  step l of an n-step proof gets n − l. Of several traces of one theorem the shortest is
  kept, as LeanProgress keeps the minimum-depth proof.

Splits are by theorem, never by state (sha256 of seed and theorem name), and length
rebalancing (LeanProgress's per-length sampling ratios) is configurable because our short
Coq proofs would lose almost every example under the paper's ratios.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import ConfigError, InputError

__all__ = [
    "LEANPROGRESS_RATIOS",
    "LENGTH_BUCKETS",
    "NO_REBALANCING",
    "ProgressExample",
    "RebalanceRatios",
    "bucket_name",
    "load_examples",
    "parse_ratios",
    "rebalance",
    "run_results_files",
    "split_by_theorem",
    "split_of",
]

logger = logging.getLogger(__name__)

#: Proof-length buckets of LeanProgress's balancing table and of our per-bucket metrics.
LENGTH_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (1, 5),
    (6, 10),
    (11, 15),
    (16, 20),
    (21, None),
)
_NO_GOALS = ("no goals", "")


@dataclass(frozen=True, kw_only=True)
class ProgressExample:
    """One labelled state: ``remaining_steps`` tactics separate it from a finished proof.

    ``proof_length`` (steps so far plus steps left) chooses the length bucket.
    """

    state: str
    proof_so_far: tuple[str, ...]
    remaining_steps: int
    theorem: str
    source: str

    @property
    def proof_length(self) -> int:
        """Length of the proof this state lies on: tactics so far plus tactics left."""
        return len(self.proof_so_far) + self.remaining_steps

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``{state, proof_so_far, remaining_steps, theorem, source}``."""
        return {
            "state": self.state,
            "proof_so_far": list(self.proof_so_far),
            "remaining_steps": self.remaining_steps,
            "theorem": self.theorem,
            "source": self.source,
        }


def bucket_name(length: int) -> str:
    """The bucket label (``"1-5"`` … ``"21+"``) of a proof length."""
    for low, high in LENGTH_BUCKETS:
        if length >= low and (high is None or length <= high):
            return f"{low}+" if high is None else f"{low}-{high}"
    return "0"


# ------------------------------------------------------------------ loading
def load_examples(paths: Sequence[Path]) -> list[ProgressExample]:
    """Examples from run directories (``results.jsonl`` inside) and traced-tactic files.

    Raises :class:`InputError` naming the path when it is missing, unreadable or holds no
    usable example, so training never starts from nothing.
    """
    examples: list[ProgressExample] = []
    for path in paths:
        found = _load_one(Path(path))
        if not found:
            raise InputError(
                f"{path}: no labelled states (no verified proof with proof states, "
                "and no complete tactic trace)"
            )
        logger.info("%s: %d examples", path, len(found))
        examples.extend(found)
    return _deduplicate(examples)


def _load_one(path: Path) -> list[ProgressExample]:
    if path.is_dir():
        files = run_results_files(path)
        if not files:
            raise InputError(f"{path}: a run directory must hold results.jsonl (or shard-*/)")
        return [e for file in files for e in _from_results(file, _read_lines(file))]
    if not path.is_file():
        raise InputError(f"{path}: no such run directory or traced-tactics file")
    records = _read_lines(path)
    if records and _looks_like_result(records[0]):
        return _from_results(path, records)
    return _from_traces(path, records)


def run_results_files(directory: Path) -> list[Path]:
    """``DIR/results.jsonl``, or the ``DIR/shard-*/results.jsonl`` of a sharded run."""
    single = directory / "results.jsonl"
    if single.is_file():
        return [single]
    return sorted(directory.glob("shard-*/results.jsonl"))


def _read_lines(path: Path) -> list[dict[str, Any]]:
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read: {error}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{number}: not JSON: {error.msg}") from error
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number}: expected a JSON object per line")
        records.append(record)
    return records


def _looks_like_result(record: Mapping[str, Any]) -> bool:
    return "status" in record and ("proved_nodes" in record or "proof_states" in record)


def _from_results(path: Path, records: Iterable[Mapping[str, Any]]) -> list[ProgressExample]:
    source = f"search:{path}"
    examples = []
    for number, record in enumerate(records, start=1):
        if record.get("status") != "proved" or record.get("verified") is False:
            continue
        name = str(record.get("name") or "")
        if not name:
            raise InputError(f"{path}:{number}: a proved record without a name")
        nodes = record.get("proved_nodes") or []
        if nodes:
            examples.extend(_from_proved_nodes(path, number, name, source, nodes))
        else:
            examples.extend(_from_proof_path(path, number, name, source, record))
    return examples


def _from_proved_nodes(
    path: Path, number: int, name: str, source: str, nodes: Sequence[Any]
) -> list[ProgressExample]:
    examples = []
    for node in nodes:
        label = node.get("remaining_steps") if isinstance(node, dict) else None
        if isinstance(label, bool) or not isinstance(label, int) or label < 1:
            raise InputError(
                f"{path}:{number}: proved node of {name} has remaining_steps {label!r}; "
                "expected a positive integer"
            )
        examples.append(
            ProgressExample(
                state=str(node.get("state", "")),
                proof_so_far=tuple(str(t) for t in node.get("proof_so_far") or ()),
                remaining_steps=label,
                theorem=name,
                source=source,
            )
        )
    return examples


def _from_proof_path(
    path: Path, number: int, name: str, source: str, record: Mapping[str, Any]
) -> list[ProgressExample]:
    proof = [str(t) for t in record.get("proof") or ()]
    states = [str(s) for s in record.get("proof_states") or ()]
    if not proof or not states:
        return []
    if len(states) not in (len(proof), len(proof) + 1):
        raise InputError(
            f"{path}:{number}: {name} has {len(states)} proof states for {len(proof)} tactics"
        )
    return [
        ProgressExample(
            state=states[index],
            proof_so_far=tuple(proof[:index]),
            remaining_steps=len(proof) - index,
            theorem=name,
            source=source,
        )
        for index in range(len(proof))
    ]


def _from_traces(path: Path, records: Sequence[Mapping[str, Any]]) -> list[ProgressExample]:
    source = f"traced:{path}"
    shortest: dict[str, list[tuple[str, str]]] = {}
    skipped = 0
    for number, record in enumerate(records, start=1):
        name = _theorem_name(record)
        steps = _trace_steps(record)
        if name is None or steps is None:
            raise InputError(
                f"{path}:{number}: neither a search result nor a traced theorem "
                "(expected a theorem name and traced_tactics/sstrace/trace steps)"
            )
        if not steps or not _finishes(record, steps):
            skipped += 1
            continue
        pairs = [(state, tactic) for state, tactic, _ in steps]
        if name not in shortest or len(pairs) < len(shortest[name]):
            shortest[name] = pairs
    if skipped:
        logger.info("%s: skipped %d traces that do not end in a finished proof", path, skipped)
    examples = []
    for name, pairs in shortest.items():
        tactics = [tactic for _, tactic in pairs]
        for index, (state, _) in enumerate(pairs):
            examples.append(
                ProgressExample(
                    state=state,
                    proof_so_far=tuple(tactics[:index]),
                    remaining_steps=len(pairs) - index,
                    theorem=name,
                    source=source,
                )
            )
    return examples


def _theorem_name(record: Mapping[str, Any]) -> str | None:
    for key in ("full_name", "theorem", "name"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
    example = record.get("example")
    if isinstance(example, dict) and isinstance(example.get("full_name"), str):
        return str(example["full_name"])
    return None


def _trace_steps(record: Mapping[str, Any]) -> list[tuple[str, str, str | None]] | None:
    """``(state_before, tactic, state_after or None)`` per step, or None if no trace field."""
    for key in ("traced_tactics", "sstrace", "trace"):
        steps = record.get(key)
        if isinstance(steps, list) and all(
            isinstance(step, dict) and "state_before" in step and "tactic" in step for step in steps
        ):
            return [
                (
                    str(step["state_before"]),
                    str(step["tactic"]),
                    None if step.get("state_after") is None else str(step["state_after"]),
                )
                for step in steps
            ]
    return None


def _finishes(record: Mapping[str, Any], steps: Sequence[tuple[str, str, str | None]]) -> bool:
    """The trace is a whole proof: the last state_after is "no goals" (or success is set)."""
    if record.get("success") is False:
        return False
    last_after = steps[-1][2]
    if last_after is None:
        return record.get("success") is True
    return last_after.strip() in _NO_GOALS


def _deduplicate(examples: Iterable[ProgressExample]) -> list[ProgressExample]:
    """One example per (theorem, state, proof so far), keeping the smallest label."""
    best: dict[tuple[str, str, tuple[str, ...]], ProgressExample] = {}
    for example in examples:
        key = (example.theorem, example.state, example.proof_so_far)
        if key not in best or example.remaining_steps < best[key].remaining_steps:
            best[key] = example
    return list(best.values())


# ------------------------------------------------------------------ splitting
def split_of(theorem: str, *, seed: int, heldout_fraction: float) -> str:
    """``"heldout"`` or ``"train"`` for a theorem, from sha256(seed, name) (stable)."""
    return "heldout" if _unit_hash(seed, theorem) < heldout_fraction else "train"


def _unit_hash(seed: int, text: str) -> float:
    digest = hashlib.sha256(f"{seed}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / float(1 << 64)


def split_by_theorem(
    examples: Sequence[ProgressExample], *, seed: int, heldout_fraction: float
) -> tuple[list[ProgressExample], list[ProgressExample]]:
    """``(train, heldout)``; every theorem lies wholly in one of them.

    If hashing leaves one side empty while there are two or more theorems, the theorem
    with the smallest hash moves to the empty side, so both splits exist on tiny data.
    """
    if not 0.0 < heldout_fraction < 1.0:
        raise ConfigError(f"heldout_fraction must lie in (0, 1), got {heldout_fraction!r}")
    theorems = sorted({e.theorem for e in examples}, key=lambda name: _unit_hash(seed, name))
    heldout = {
        t for t in theorems if split_of(t, seed=seed, heldout_fraction=heldout_fraction) != "train"
    }
    if len(theorems) >= 2 and not heldout:
        heldout = {theorems[0]}
    elif len(theorems) >= 2 and len(heldout) == len(theorems):
        heldout.discard(theorems[-1])
    train = [e for e in examples if e.theorem not in heldout]
    held = [e for e in examples if e.theorem in heldout]
    return train, held


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
