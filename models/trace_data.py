"""Training rows for the learned generators: traced proof steps and a run's verified proofs.

One row type (:class:`TraceStep`) for both sources of training rows: a trace directory
written by ``prover trace`` (``DIR/manifest.json`` and ``DIR/steps.jsonl.gz``), read here
with :func:`load_trace_steps`, and the verified proofs of the prover's own runs, which the
prover side reads with its typed record reader
(:func:`prover.attempts.training_data.verified_proof_steps`) and hands to the trainers.

Bad input (no manifest, a broken line) is one :class:`InputError` naming the path.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path
from typing import Any

from search.errors import ConfigError, InputError

__all__ = [
    "EXCLUDED",
    "SPLITS",
    "FileFold",
    "TraceStep",
    "TracedStep",
    "held_out_theorems",
    "load_trace_steps",
    "parse_test_fold",
    "read_manifest",
    "theorems_of_test_files",
]

SPLITS = ("train", "valid", "test")
#: The split a selection fold gives the trace's own test files: read by no one.
EXCLUDED = "excluded"


@dataclass(frozen=True, kw_only=True, slots=True)
class TracedStep:
    """One tactic of a finished proof and the goals before it, as ``prover trace`` writes it.

    ``state`` is :attr:`search.states.ProofState.text` of the goals Coq showed right
    before the tactic; ``remaining_steps`` is ``proof_length - step`` (1 for the last
    tactic); bullets and braces are not steps. Inside a bullet or brace ``unfocused`` holds
    the goals waiting outside the focus, conclusions only (``⊢ C`` blocks, as Coq prints
    them under ``Printing Unfocused``); traces written before 2026-12-04 lack the field and
    read as ``""``. The one definition of a trace row's fields:
    the tracer writes it (``prover.tracing``), the trainers read it back as :class:`TraceStep`.
    """

    library: str
    file: str
    module: str
    theorem: str
    step: int
    state: str
    tactic: str
    remaining_steps: int
    proof_length: int
    num_goals: int
    unfocused: str = ""

    @property
    def whole_state(self) -> str:
        """``state`` and then the goals waiting outside the focus: every goal left, as the
        search (which never focuses) would list them. ``state`` alone outside a focus."""
        return f"{self.state}\n\n{self.unfocused}" if self.unfocused else self.state

    def row(self) -> dict[str, Any]:
        """The step as a JSON-ready dict."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True, kw_only=True, slots=True)
class TraceStep(TracedStep):
    """A traced step with the split its file was assigned to (a training row)."""

    split: str


@dataclass(frozen=True, kw_only=True)
class FileFold:
    """Fold ``index`` of ``count``: the trace files held out as test in one run of a
    cross-validation by file.

    The trace's own split puts 5 % of the files in test, so a held-out figure rests on a
    few dozen files (on the stdlib, one proof carries a sixth of the test error); folds
    let every file be held out once. A file's fold is a sha256 of its library and path
    (salted, so independent of the trace's split): the files of fold ``index`` become
    ``test``, the trace's own test files outside it become ``train``, and ``valid`` stays
    the trace's valid files outside the fold. Whole files move, never single proofs.

    ``without_test`` (``--selection-fold``) is the fold for *choosing* settings: the trace's
    own test files are left out altogether (split :data:`EXCLUDED`, which no reader asks
    for), so a cross-validation over the train and valid files can rank configurations
    without ever reading the files the final figure is reported on.
    """

    index: int
    count: int
    without_test: bool = False

    def __post_init__(self) -> None:
        integers = all(
            isinstance(value, int) and not isinstance(value, bool)
            for value in (self.index, self.count)
        )
        if not isinstance(self.without_test, bool):
            raise ConfigError(f"without_test must be a bool, got {self.without_test!r}")
        if not integers or self.count < 2 or not 0 <= self.index < self.count:
            raise ConfigError(
                "test_fold must be K/N with N >= 2 and 0 <= K < N, "
                f"got {self.index!r}/{self.count!r}"
            )

    def holds(self, library: str, file: str) -> bool:
        """Whether ``file`` of ``library`` is one of this fold's test files."""
        return _file_hash(library, file) % self.count == self.index

    def resplit(self, row: TraceStep) -> TraceStep:
        """``row`` with the split this fold gives its file."""
        if self.without_test and row.split == "test":
            split = EXCLUDED
        elif self.holds(row.library, row.file):
            split = "test"
        else:
            split = "train" if row.split == "test" else row.split
        return row if split == row.split else replace(row, split=split)

    def describe(self) -> str:
        """``K/N``, as the flag takes it."""
        return f"{self.index}/{self.count}"


@functools.lru_cache(maxsize=4096)
def _file_hash(library: str, file: str) -> int:
    """A file's fold hash (salted sha256), computed once per file, not once per trace row."""
    digest = hashlib.sha256(f"fold\x00{library}\x00{file}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def parse_test_fold(text: str, *, without_test: bool = False) -> FileFold:
    """``K/N`` (fold K of N, counted from 0) as a :class:`FileFold`; ConfigError otherwise."""
    index, separator, count = text.partition("/")
    if not separator or not index.strip().isdigit() or not count.strip().isdigit():
        raise ConfigError(f"test_fold must be K/N (fold K of N, from 0), got {text!r}")
    return FileFold(index=int(index), count=int(count), without_test=without_test)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The trace directory's ``manifest.json``; its absence means it is not a trace."""
    path = directory / "manifest.json"
    if not path.is_file():
        raise InputError(f"{directory}: not a trace directory (no manifest.json)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable trace manifest: {exc}") from exc
    if not isinstance(manifest, dict):
        raise InputError(f"{path}: the trace manifest is not a JSON object")
    return manifest


def load_trace_steps(
    directory: Path, *, splits: tuple[str, ...] = SPLITS, test_fold: FileFold | None = None
) -> list[TraceStep]:
    """The rows of ``DIR/steps.jsonl.gz`` whose split is in ``splits``, in file order.

    With ``test_fold`` the splits are the fold's (:meth:`FileFold.resplit`), not the trace's.
    """
    read_manifest(directory)
    path = directory / "steps.jsonl.gz"
    if not path.is_file():
        raise InputError(f"{directory}: trace directory without steps.jsonl.gz")
    wanted = frozenset(splits)
    rows = _read_rows(path)
    if test_fold is not None:
        rows = (test_fold.resplit(row) for row in rows)
    return [row for row in rows if row.split in wanted]


def theorems_of_test_files(directory: Path, *, test_fold: FileFold | None = None) -> frozenset[str]:
    """Names of the theorems of the trace's test files.

    A run's proof of one of them (``prove --file`` on a test library file, as the in-domain
    benchmark does) must not become a training row, or the test metrics would measure
    memory. (Valid files' theorems may: expert iteration learns from them.) Names are
    compared without their file, so a training theorem that shares a test theorem's name
    is left out too: the cautious side.
    """
    # A selection fold's EXCLUDED rows are the trace's own test files: never trained on either.
    rows = load_trace_steps(directory, splits=("test", EXCLUDED), test_fold=test_fold)
    return frozenset(row.theorem for row in rows)


def held_out_theorems(
    trace: Path, runs: Sequence[Path], *, test_fold: FileFold | None = None
) -> frozenset[str]:
    """The theorem names no run's proof may teach: :func:`theorems_of_test_files`.

    Read only when there are runs to filter (it parses the trace's steps once more).
    """
    return theorems_of_test_files(trace, test_fold=test_fold) if runs else frozenset()


def _read_rows(path: Path) -> Iterator[TraceStep]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _row(json.loads(line), path, number)
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(f"{path}: unreadable trace steps: {exc}") from exc


#: (field, converter) of a trace row, computed once: every field is an int or a str
#: (annotations are strings here, under ``from __future__ import annotations``).
_ROW_FIELDS: tuple[tuple[str, type[int] | type[str]], ...] = tuple(
    (item.name, int if item.type == "int" else str) for item in fields(TraceStep)
)


#: Fields a trace written by an older tracer may lack: those with a default, which applies.
_OPTIONAL_FIELDS = frozenset(item.name for item in fields(TraceStep) if item.default is not MISSING)


def _row(data: Any, path: Path, number: int) -> TraceStep:
    if not isinstance(data, dict):
        raise InputError(f"{path}:{number}: a trace row must be a JSON object")
    try:
        values: dict[str, Any] = {
            name: convert(data[name])
            for name, convert in _ROW_FIELDS
            if name not in _OPTIONAL_FIELDS or name in data
        }
        return TraceStep(**values)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}:{number}: trace row without a valid {exc}") from exc
