"""What the assistance server's endpoints do, independent of HTTP.

:class:`AssistService` turns a validated JSON body into a JSON-ready answer for
``/generate`` and ``/encode`` (Lean Copilot's external-model API) and for the
project's own ``/progress``, ``/search`` and ``/health``. Components that are not
known to be thread-safe (model generators, progress predictors, proof
environments) are used under locks or borrowed from a pool.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from models.encoder import TextEncoder
from prover.interactive.requests import (
    MAX_INPUT_CHARS,
    RequestError,
    optional_bool,
    optional_int,
    optional_number,
    optional_text,
    require_object,
    required_text,
    state_from_text,
    text_list,
)
from search.config import SearchConfig
from search.engine import best_first_search
from search.errors import BackendError, ConfigError, ProverError, StatementError
from search.protocols import GenerationRequest, ProofEnvironment, TacticGenerator
from search.states import Candidate, Theorem

__all__ = [
    "AssistService",
    "EnvironmentPool",
    "ProgressPredictor",
    "SearchLimits",
    "load_progress_model",
]

logger = logging.getLogger(__name__)

_DECLARATION = re.compile(r"\b(?:Theorem|Lemma|Example|Corollary|theorem|lemma)\s+([^\s:({\[]+)")
MAX_CANDIDATES = 256


class ProgressPredictor(Protocol):
    """Predicts how many tactics remain from a state (``models.progress``)."""

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        """One prediction per state, in order."""
        ...


class EnvironmentPool:
    """At most ``size`` proof environments, created on first use and borrowed one at a time."""

    def __init__(self, factory: Callable[[], ProofEnvironment], *, size: int = 1) -> None:
        if size < 1:
            raise ConfigError(f"search workers must be at least 1, got {size!r}")
        self._factory = factory
        self._idle: queue.LifoQueue[ProofEnvironment | None] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(None)
        self._created: list[ProofEnvironment] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextlib.contextmanager
    def borrow(self, *, wait_s: float) -> Iterator[ProofEnvironment]:
        """An environment for this thread alone; 503 when none frees up within ``wait_s``."""
        try:
            environment = self._idle.get(timeout=wait_s)
        except queue.Empty:
            raise RequestError(503, "every search worker is busy; retry later") from None
        try:
            if environment is None:
                environment = self._create()
            yield environment
        finally:
            self._idle.put(environment)

    def _create(self) -> ProofEnvironment:
        with self._lock:
            if self._closed:
                raise RequestError(503, "the server is shutting down")
            environment = self._factory()
            self._created.append(environment)
            return environment

    def close(self) -> None:
        """Close every environment created so far (call after in-flight requests finish)."""
        with self._lock:
            self._closed = True
            created, self._created = self._created, []
        for environment in created:
            try:
                environment.close()
            except ProverError as exc:
                logger.warning("closing an environment failed: %s", exc)


@dataclass(frozen=True, kw_only=True)
class SearchLimits:
    """Bounds of ``/search`` budgets and the defaults used when a request gives none."""

    default_time_limit_s: float = 30.0
    max_time_limit_s: float = 600.0
    max_expansions: int = 100_000
    tactic_timeout_s: float = 5.0
    wait_for_worker_s: float = 60.0


@dataclass(kw_only=True)
class AssistService:
    """The endpoints' logic; build one per server and share it between request threads.

    ``serialize_generator`` runs generator calls one at a time (model generators are
    not known to be thread-safe; the portfolio is, and can leave it off).
    """

    generator: TacticGenerator
    language: str
    generator_name: str = "portfolio"
    num_candidates: int = 32
    serialize_generator: bool = True
    progress: ProgressPredictor | None = None
    encoder: TextEncoder | None = None
    encoder_problem: str = "no encoder configured"
    environments: EnvironmentPool | None = None
    limits: SearchLimits = field(default_factory=SearchLimits)
    _generator_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _progress_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def health(self) -> dict[str, Any]:
        """What is loaded: generator, language, progress model, encoder, search backend."""
        return {
            "status": "ok",
            "generator": self.generator_name,
            "language": self.language,
            "progress_model": self.progress is not None,
            "encoder": self.encoder.name if self.encoder is not None else None,
            "search": self.environments is not None,
        }

    def generate(self, body: Any) -> dict[str, Any]:
        """Lean Copilot ``/generate``: ``{name, input, prefix}`` → ``{outputs: [{output, score}]}``.

        ``score`` is a probability-like ``exp`` of the generator's log score, as in the
        reference server. With ``use_reward`` and a progress model, each output also has
        ``model_score``, ``steps_remaining`` and ``reward``, and ``score = reward``.
        """
        request = require_object(body)
        optional_text(request, "name", max_chars=256)
        goal_text = required_text(request, "input")
        prefix = optional_text(request, "prefix", max_chars=1024)
        use_reward = optional_bool(request, "use_reward")
        wanted = optional_int(
            request, "num_candidates", default=self.num_candidates, low=1, high=MAX_CANDIDATES
        )
        assert wanted is not None
        candidates = self._candidates(goal_text, prefix, wanted)
        outputs: list[dict[str, Any]] = [
            {"output": c.tactic, "score": _probability(c.score)} for c in candidates
        ]
        if use_reward and self.progress is not None and outputs:
            steps = self._predict([goal_text] * len(candidates), [[c.tactic] for c in candidates])
            for output, remaining in zip(outputs, steps, strict=True):
                output.update(
                    model_score=output["score"],
                    steps_remaining=remaining,
                    reward=-remaining,
                    score=-remaining,
                )
            outputs.sort(key=lambda output: -float(output["score"]))
        return {"outputs": outputs}

    def _candidates(self, goal_text: str, prefix: str, wanted: int) -> list[Candidate]:
        state = state_from_text(goal_text)
        theorem = Theorem(name="copilot_goal", header="", statement=goal_text or "goal")
        asked = wanted if not prefix else min(MAX_CANDIDATES, 4 * wanted)
        request = GenerationRequest(
            theorem=theorem, state=state, proof_so_far=(), num_candidates=asked, seed=0
        )
        lock = self._generator_lock if self.serialize_generator else contextlib.nullcontext()
        try:
            with lock:
                [candidates] = self.generator.generate([request])
        except ProverError as exc:
            raise RequestError(503, f"the generator failed: {exc}") from exc
        seen: set[str] = set()
        kept: list[Candidate] = []
        for candidate in candidates:
            tactic = candidate.tactic.strip()
            if tactic.startswith(prefix) and tactic not in seen:
                seen.add(tactic)
                kept.append(replace(candidate, tactic=tactic))
        return kept[:wanted]

    def encode(self, body: Any) -> dict[str, Any]:
        """Lean Copilot ``/encode``: ``{name, input}`` → ``{outputs: [float, ...]}``."""
        request = require_object(body)
        optional_text(request, "name", max_chars=256)
        text = required_text(request, "input")
        if self.encoder is None:
            raise RequestError(503, f"/encode is unavailable: {self.encoder_problem}")
        try:
            return {"outputs": self.encoder.encode(text)}
        except ProverError as exc:
            raise RequestError(503, f"/encode is unavailable: {exc}") from exc

    def progress_of(self, body: Any) -> dict[str, Any]:
        """``/progress``: ``{state, proof_so_far?}`` → ``{steps_remaining}``."""
        request = require_object(body)
        state = required_text(request, "state")
        proof_so_far = text_list(request, "proof_so_far")
        if self.progress is None:
            raise RequestError(503, "no progress model: start the server with --progress-model")
        [remaining] = self._predict([state], [list(proof_so_far)])
        return {"steps_remaining": remaining}

    def _predict(self, states: list[str], proofs: list[list[str]]) -> list[float]:
        assert self.progress is not None
        try:
            with self._progress_lock:
                values = self.progress.predict_remaining_steps(states, proofs)
        except ProverError as exc:
            raise RequestError(503, f"the progress model failed: {exc}") from exc
        if len(values) != len(states) or not all(math.isfinite(float(v)) for v in values):
            raise RequestError(503, "the progress model returned malformed predictions")
        return [float(value) for value in values]

    def search(self, body: Any) -> dict[str, Any]:
        """``/search``: run best-first search on the server's backend and verify the proof."""
        if self.environments is None:
            raise RequestError(503, "/search is unavailable: the server has no proof backend")
        request = require_object(body)
        theorem = _theorem_of(request)
        limits = self.limits
        time_limit_s = optional_number(
            request,
            "time_limit_s",
            default=limits.default_time_limit_s,
            low=0.0,
            high=limits.max_time_limit_s,
        )
        expansions = optional_int(
            request, "max_expansions", default=None, low=1, high=limits.max_expansions
        )
        config = SearchConfig(
            time_limit_s=time_limit_s,
            max_expansions=expansions,
            tactic_timeout_s=min(limits.tactic_timeout_s, time_limit_s),
            num_candidates=self.num_candidates,
        )
        with self.environments.borrow(wait_s=limits.wait_for_worker_s) as environment:
            return self._search_with(theorem, environment, config)

    def _search_with(
        self, theorem: Theorem, environment: ProofEnvironment, config: SearchConfig
    ) -> dict[str, Any]:
        started = time.monotonic()
        try:
            environment.open(theorem)
        except StatementError as exc:
            raise RequestError(422, str(exc)) from exc
        except BackendError as exc:
            raise RequestError(503, f"the proof backend failed: {exc}") from exc
        generator: TacticGenerator = self.generator
        if self.serialize_generator:
            generator = _LockedGenerator(self.generator, self._generator_lock)
        result = best_first_search(theorem, environment, generator, config=config)
        answer: dict[str, Any] = {
            "status": result.status.value,
            "stop_reason": result.stop_reason.value,
            "proof": list(result.proof) if result.proof is not None else None,
            "proof_text": None,
            "verified": False,
            "expansions": result.expansions,
            "error": result.error,
        }
        if result.proof is not None:
            try:
                verification = environment.verify(theorem, result.proof)
            except ProverError as exc:
                answer["error"] = f"verifier error: {exc}"
            else:
                answer["proof_text"] = verification.proof_text
                answer["verified"] = verification.ok
                if not verification.ok:
                    answer["error"] = verification.message
        answer["time_s"] = time.monotonic() - started
        return answer


@dataclass(frozen=True)
class _LockedGenerator:
    """A generator whose calls are serialized with the server's other generator calls."""

    inner: TacticGenerator
    lock: threading.Lock

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        with self.lock:
            return self.inner.generate(requests)


def _theorem_of(request: Mapping[str, Any]) -> Theorem:
    statement = required_text(request, "statement").strip()
    if not statement:
        raise RequestError(400, "field 'statement' is empty")
    header = optional_text(request, "header", max_chars=MAX_INPUT_CHARS)
    name = optional_text(request, "name", max_chars=256).strip()
    if not name:
        match = _DECLARATION.search(statement)
        name = match.group(1) if match else "assist_goal"
    return Theorem(name=name, header=header, statement=statement)


def _probability(log_score: float) -> float:
    if not math.isfinite(log_score):
        return 0.0
    return math.exp(min(log_score, 700.0))


def load_progress_model(directory: str) -> ProgressPredictor:
    """Load a trained progress predictor lazily from ``models.progress`` (``--progress-model``)."""
    try:
        from models.progress import load_progress_predictor  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise ConfigError(
            f"--progress-model {directory}: the progress model code (models.progress) "
            f"is not available: {exc}"
        ) from exc
    from pathlib import Path

    predictor: ProgressPredictor = load_progress_predictor(Path(directory))
    return predictor
