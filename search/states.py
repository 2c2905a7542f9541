"""Proof-assistant-neutral values: theorems, goals, proof states and candidates.

The search engine only ever sees these values. A backend builds :class:`ProofState`
objects from whatever its proof assistant prints and keeps its own pointer to the
real state in :attr:`ProofState.handle`; the engine never looks inside it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable
from dataclasses import dataclass, field

from search.errors import ConfigError

__all__ = ["Candidate", "Goal", "Hypothesis", "ProofState", "Theorem", "normalize_text"]

_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True, kw_only=True)
class Theorem:
    """A statement to prove, with the header (imports, opens, definitions) it needs.

    ``statement`` is the declaration without its proof (Coq: ``Theorem t : P.``;
    Lean: ``theorem t : P := by``). ``name`` is the declaration's name.
    """

    name: str
    header: str
    statement: str
    split: str | None = None
    source: str | None = None
    informal_statement: str | None = None
    #: Whether the proof may use every hypothesis of the context the statement sits in. Set
    #: only by a reader that saw the user's own file grant it (Coq: a section theorem whose
    #: proof in the file is a bare ``Admitted.``, which Coq generalises over every section
    #: variable); everything else, requests included, leaves it off.
    whole_context: bool = False
    #: The whole source file the theorem was read from (``--file``), kept so that the
    #: backend can ask what the file's name denotes at its end; None for benchmark entries
    #: and requests. Not shown in ``repr``.
    file_text: str | None = field(default=None, repr=False)
    #: For a theorem not read from a file (a request): the name, without its extension, of
    #: the file the user will put the header and statement in. A header's meaning can depend
    #: on the name of the file it is read in, so the backend also checks the proof read
    #: under this name; None: the verdict is for the backend's own file name.
    file_name: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ConfigError(f"Theorem.name must be a non-empty string, got {self.name!r}")
        if not self.statement.strip():
            raise ConfigError(f"Theorem.statement of {self.name!r} is empty")
        if self.file_name is not None and (self.file_text is not None or not self.file_name):
            raise ConfigError(
                f"Theorem.file_name of {self.name!r} is for a theorem not read from a file, "
                f"and must be non-empty, got {self.file_name!r}"
            )

    @property
    def theorem_id(self) -> str:
        """A stable id over name, header and statement, and the file name when one is given
        (sha256, first 16 hex digits)."""
        parts = [self.name, self.header, self.statement]
        if self.file_name is not None:
            parts.append(self.file_name)
        digest = hashlib.sha256("\x00".join(parts).encode("utf-8"))
        return digest.hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class Hypothesis:
    """One hypothesis line of a goal: ``names : type`` (or ``name := value : type``)."""

    names: tuple[str, ...]
    type: str
    value: str | None = None

    def render(self) -> str:
        """The hypothesis as one line, ``a b : T`` or ``x := v : T``."""
        joined = " ".join(self.names)
        if self.value is None:
            return f"{joined} : {self.type}"
        return f"{joined} := {self.value} : {self.type}"


@dataclass(frozen=True, kw_only=True)
class Goal:
    """One goal: its hypotheses and its conclusion, plus an optional case tag."""

    hypotheses: tuple[Hypothesis, ...]
    conclusion: str
    tag: str | None = None

    def render(self) -> str:
        """The goal in the familiar ``hyps`` / ``⊢ conclusion`` layout."""
        lines = [f"case {self.tag}"] if self.tag else []
        lines.extend(h.render() for h in self.hypotheses)
        lines.append(f"⊢ {self.conclusion}")
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class ProofState:
    """An open proof state: the goals left, and the backend's pointer to it.

    Two states are the same search node when their :attr:`key` (normalised goal
    text) is equal, whatever path reached them; ``handle`` and ``text`` are left
    out of equality for that reason.
    """

    goals: tuple[Goal, ...]
    handle: Hashable = field(compare=False)
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", "\n\n".join(g.render() for g in self.goals))

    @property
    def key(self) -> str:
        """Normalised goals, used to merge identical states reached by different paths."""
        return "\n\n".join(normalize_text(g.render()) for g in self.goals)

    @property
    def num_goals(self) -> int:
        """How many goals are open."""
        return len(self.goals)


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A proposed tactic and its score (log-probability-like: higher is better)."""

    tactic: str
    score: float
