"""The built-in tactic portfolio: a model-free :class:`~search.protocols.TacticGenerator`.

For each request the generator reads the first open goal, instantiates its
vocabulary from that goal's hypotheses and conclusion (see
:mod:`models.portfolio.coq` and :mod:`models.portfolio.lean`) and scores each
tactic by its family's prior, a log success-rate estimate:

* Coq: closing families are *measured* on miniF2F-Coq valid root goals by
  ``benchmarks/portfolio_priors.py`` and shipped as ``models/portfolio/priors.json``;
  structural families use fixed priors (:data:`~models.portfolio.coq.COQ_STRUCTURAL_PRIORS`).
* Lean 4: hand-set priors (:data:`~models.portfolio.lean.LEAN_PRIORS`), since no
  Lean toolchain was available to measure them.

Candidates are deduplicated, sorted by descending score with ties broken by a
seed-dependent sha256 order (never Python's salted ``hash``), and truncated to
``num_candidates``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from models.portfolio.coq import COQ_STRUCTURAL_PRIORS, coq_proposals
from models.portfolio.lean import LEAN_PRIORS, lean_proposals
from models.portfolio.text import Proposal
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest
from search.states import Candidate

__all__ = [
    "DEFAULT_PRIOR",
    "LANGUAGES",
    "PortfolioGenerator",
    "default_priors",
    "priors_from_json",
    "read_priors_file",
]

LANGUAGES = ("coq", "lean4")
# Score of a family with no prior at all (log 0.01): below every measured family.
DEFAULT_PRIOR = math.log(0.01)
PRIORS_RESOURCE = "priors.json"
_FORBIDDEN = re.compile(r"\b(Admitted|admit|sorry|Abort|Axiom|Parameter)\b")


def priors_from_json(text: str) -> dict[str, float]:
    """The ``family -> log prior`` table of a priors file's text (the ``priors.json`` format).

    The format is what ``python -m benchmarks.portfolio_priors`` writes: an object whose
    ``families`` maps each family name to a row with a finite number ``prior``. Anything
    else raises ``ValueError`` naming what is wrong (the file is read as untrusted input).
    """
    document = json.loads(text)
    families = document.get("families") if isinstance(document, dict) else None
    if not isinstance(families, dict) or not families:
        raise ValueError("it has no non-empty 'families' object")
    table: dict[str, float] = {}
    for name, row in families.items():
        prior = row.get("prior") if isinstance(row, dict) else None
        if isinstance(prior, bool) or not isinstance(prior, int | float):
            raise ValueError(f"family {name!r} has no number 'prior'")
        if not math.isfinite(prior):
            raise ValueError(f"family {name!r} has a prior that is not finite: {prior!r}")
        table[name] = float(prior)
    return table


def read_priors_file(path: Path) -> dict[str, float]:
    """The priors of a file given with ``--portfolio-priors``; ConfigError naming it if bad."""
    try:
        return priors_from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:  # RecursionError: deep nesting
        raise ConfigError(f"--portfolio-priors {path}: not a priors file: {error}") from error


@functools.cache
def _measured_coq_priors() -> dict[str, float]:
    """The ``family -> prior`` table of the packaged JSON file (read once, on first use)."""
    try:
        text = (
            resources.files("models.portfolio")
            .joinpath(PRIORS_RESOURCE)
            .read_text(encoding="utf-8")
        )
        return priors_from_json(text)
    except (OSError, ValueError) as error:
        raise GeneratorError(f"cannot read the packaged {PRIORS_RESOURCE}: {error}") from error


def default_priors(language: str) -> dict[str, float]:
    """The built-in ``family -> log prior`` table for ``language`` ("coq" or "lean4")."""
    if language == "coq":
        return {**_measured_coq_priors(), **COQ_STRUCTURAL_PRIORS}
    if language == "lean4":
        return dict(LEAN_PRIORS)
    raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")


def _tie_key(seed: int, tactic: str) -> str:
    """A deterministic, seed-dependent order among equal scores."""
    return hashlib.sha256(f"{seed}\x00{tactic}".encode()).hexdigest()


def _acceptable(tactic: str) -> bool:
    """One sentence, no trailing period, nothing that would cheat the checker."""
    stripped = tactic.strip()
    return bool(stripped) and not stripped.endswith(".") and not _FORBIDDEN.search(stripped)


@dataclass(frozen=True, kw_only=True)
class PortfolioGenerator:
    """Model-free tactic generator for ``language`` ("coq" or "lean4").

    ``priors`` maps family names to log scores and overrides the defaults for the
    families it names (unknown families score :data:`DEFAULT_PRIOR`).
    """

    language: str
    priors: Mapping[str, float] | None = None
    _table: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ConfigError(
                f"language must be one of {', '.join(LANGUAGES)}, got {self.language!r}"
            )
        table = default_priors(self.language)
        for family, score in (self.priors or {}).items():
            if not math.isfinite(score):
                raise ConfigError(f"priors[{family!r}] must be finite, got {score!r}")
            table[family] = float(score)
        object.__setattr__(self, "_table", table)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """Return, for each request in order, candidates sorted by descending score."""
        return [self._candidates(request) for request in requests]

    def score(self, family: str) -> float:
        """The prior of ``family`` (``DEFAULT_PRIOR`` when it has none)."""
        return self._table.get(family, DEFAULT_PRIOR)

    def proposals(self, request: GenerationRequest) -> list[Proposal]:
        """Every instantiated tactic for the request's first goal, before ranking."""
        if not request.state.goals:
            return []
        goal = request.state.goals[0]
        if self.language == "coq":
            return coq_proposals(goal, header=request.theorem.header)
        return lean_proposals(goal)

    def _candidates(self, request: GenerationRequest) -> list[Candidate]:
        """Score, deduplicate (best score wins), order and truncate one request's tactics."""
        if request.num_candidates <= 0:
            return []
        best: dict[str, float] = {}
        for proposal in self.proposals(request):
            tactic = proposal.tactic.strip()
            if _acceptable(tactic):
                best[tactic] = max(best.get(tactic, -math.inf), self.score(proposal.family))
        ordered = sorted(best.items(), key=lambda item: (-item[1], _tie_key(request.seed, item[0])))
        return [Candidate(tactic=t, score=s) for t, s in ordered[: request.num_candidates]]
