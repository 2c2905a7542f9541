"""The assistance service: what ``prover serve``'s endpoints do, with no HTTP in sight.

:class:`AssistService` answers Lean Copilot's ``generate``/``encode`` and the project's
``progress``, ``search`` and ``health`` with plain values; the web layer
(:mod:`prover.interactive.web`) validates requests, calls it and turns its values and
errors into HTTP. Components not known to be thread-safe (model generators, progress
predictors, proof environments) are used under locks or borrowed from a pool.

Errors: :class:`ServiceUnavailable` (a component is missing, failed or busy; HTTP 503),
``InputError`` (a refused request; 400), ``StatementError`` (the proof assistant
rejects the header or statement; 422).

``search`` is sound by construction: the theorem comes from
:func:`prover.interactive.statements.request_theorem` (whitelisted header, one theorem
sentence, ``name`` equal to the declared identifier), opening it (header loading
included) counts against ``time_limit_s``, and ``status`` is ``proved`` only when the
backend's independent verification accepted the proof. With a progress model it ranks
the frontier as ``prove`` does (the server's scoring flags), under the file context of
the request's header (the lengths of its proofs).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from models.combined import candidates_of_every_round
from models.encoder import TextEncoder
from models.progress import ProgressPredictor
from models.progress.config import ScoringConfig, build_scoring
from prover.attempts.learning import HeaderLearner, steps_of_proof
from prover.interactive.assist import ResumedEnvironment
from prover.interactive.goal_text import state_from_text
from prover.interactive.headers.inspection import without_inspection
from prover.interactive.pool import EnvironmentPool, PoolBusy, PoolClosed
from prover.interactive.service_values import (
    MAX_CANDIDATES,
    Health,
    SearchAnswer,
    SearchLimits,
    SearchQuery,
    ServiceUnavailable,
    Suggestion,
)
from prover.interactive.statements import (
    checked_file_name,
    request_header_text,
    request_theorem,
)
from search.config import SearchConfig
from search.engine import best_first_search
from search.errors import BackendError, InputError, ProverError
from search.protocols import (
    GenerationRequest,
    NodeScorer,
    OnlineLearner,
    ProofEnvironment,
    SamplingSchedule,
    TacticGenerator,
    generation_stages,
)
from search.result import SearchResult, SearchStatus, StopReason
from search.states import Candidate, Theorem

__all__ = ["AssistService"]

logger = logging.getLogger(__name__)


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
    learn_header: HeaderLearner | None = None
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    limits: SearchLimits = field(default_factory=SearchLimits)
    _generator_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _progress_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def health(self) -> Health:
        """What is loaded: generator, language, progress model, encoder, search backend."""
        return Health(
            generator=self.generator_name,
            language=self.language,
            progress_model=self.progress is not None,
            encoder=self.encoder.name if self.encoder is not None else None,
            search=self.environments is not None,
        )

    def close(self) -> None:
        """Close the proof environments (after in-flight searches gave theirs back)."""
        if self.environments is not None:
            self.environments.close()

    def generate(
        self, *, goal: str, prefix: str = "", num_candidates: int | None = None, use_reward: bool
    ) -> list[Suggestion]:
        """Lean Copilot's generate: deduplicated tactics starting with ``prefix``, best first.

        ``score`` is a probability-like ``exp`` of the generator's log score. With
        ``use_reward`` and a progress model, ``score = reward = -steps_remaining``.
        """
        wanted = self.num_candidates if num_candidates is None else num_candidates
        if not 1 <= wanted <= MAX_CANDIDATES:
            raise InputError(f"num_candidates must be in [1, {MAX_CANDIDATES}], got {wanted}")
        candidates = self._candidates(goal, prefix, wanted)
        outputs = [Suggestion(output=c.tactic, score=_probability(c.score)) for c in candidates]
        if not (use_reward and self.progress is not None and outputs):
            return outputs
        steps = self._predict([goal] * len(outputs), [[o.output] for o in outputs])
        rewarded = [
            replace(o, model_score=o.score, steps_remaining=s, reward=-s, score=-s)
            for o, s in zip(outputs, steps, strict=True)
        ]
        return sorted(rewarded, key=lambda suggestion: -suggestion.score)

    def _candidates(self, goal: str, prefix: str, wanted: int) -> list[Candidate]:
        state = state_from_text(goal)
        theorem = Theorem(name="copilot_goal", header="", statement=goal or "goal")
        asked = wanted if not prefix else min(MAX_CANDIDATES, 4 * wanted)
        request = GenerationRequest(
            theorem=theorem, state=state, proof_so_far=(), num_candidates=asked, seed=0
        )
        try:
            with self._generator_guard():
                candidates = candidates_of_every_round(self.generator, request)
        except ProverError as exc:
            raise ServiceUnavailable(f"the generator failed: {exc}") from exc
        seen: set[str] = set()
        kept: list[Candidate] = []
        for candidate in candidates:
            tactic = candidate.tactic.strip()
            if tactic.startswith(prefix) and tactic not in seen:
                seen.add(tactic)
                kept.append(replace(candidate, tactic=tactic))
        return kept[:wanted]

    def _generator_guard(self) -> contextlib.AbstractContextManager[object]:
        return self._generator_lock if self.serialize_generator else contextlib.nullcontext()

    def encode(self, text: str) -> list[float]:
        """Lean Copilot's encode: the encoder's embedding of ``text``."""
        if self.encoder is None:
            raise ServiceUnavailable(f"/encode is unavailable: {self.encoder_problem}")
        try:
            return self.encoder.encode(text)
        except ProverError as exc:
            raise ServiceUnavailable(f"/encode is unavailable: {exc}") from exc

    def steps_remaining(self, state: str, proof_so_far: Sequence[str]) -> float:
        """The progress model's estimate of the tactics left from ``state``."""
        if self.progress is None:
            raise ServiceUnavailable("no progress model: start the server with --progress-model")
        [remaining] = self._predict([state], [list(proof_so_far)])
        return remaining

    def _predict(self, states: list[str], proofs: list[list[str]]) -> list[float]:
        assert self.progress is not None
        try:
            with self._progress_lock:
                values = self.progress.predict_remaining_steps(states, proofs)
        except ProverError as exc:
            raise ServiceUnavailable(f"the progress model failed: {exc}") from exc
        if len(values) != len(states) or not all(math.isfinite(float(v)) for v in values):
            raise ServiceUnavailable("the progress model returned malformed predictions")
        return [float(value) for value in values]

    def search(self, query: SearchQuery) -> SearchAnswer:
        """Best-first search on the server's backend, then independent verification."""
        if self.environments is None:
            raise ServiceUnavailable("/search is unavailable: the server has no proof backend")
        config = self._search_config(query)
        theorem = request_theorem(
            language=self.language,
            header=query.header,
            statement=query.statement,
            name=query.name,
            file=query.file,
        )
        checked_as = checked_file_name(language=self.language, theorem=theorem)
        shown_header = request_header_text(language=self.language, header=query.header)
        try:
            with self.environments.borrow(wait_s=self.limits.wait_for_worker_s) as environment:
                answer = self._search_with(theorem, environment, config)
        except (PoolBusy, PoolClosed) as exc:
            raise ServiceUnavailable(str(exc)) from exc
        if answer.proof_text is None:
            return replace(answer, checked_as=checked_as)
        shown = without_inspection(answer.proof_text, inspected=theorem.header, header=shown_header)
        return replace(answer, proof_text=shown, checked_as=checked_as)

    def _search_config(self, query: SearchQuery) -> SearchConfig:
        limits = self.limits
        time_limit_s = query.time_limit_s
        if time_limit_s is None:
            time_limit_s = limits.default_time_limit_s
        if not (math.isfinite(time_limit_s) and 0 < time_limit_s <= limits.max_time_limit_s):
            raise InputError(
                f"field 'time_limit_s' must be in (0, {limits.max_time_limit_s:g}], "
                f"got {time_limit_s!r}"
            )
        expansions = query.max_expansions
        if expansions is not None and not 1 <= expansions <= limits.max_expansions:
            raise InputError(
                f"field 'max_expansions' must be in [1, {limits.max_expansions}], got {expansions}"
            )
        return SearchConfig(
            time_limit_s=time_limit_s,
            max_expansions=expansions,
            tactic_timeout_s=min(limits.tactic_timeout_s, time_limit_s),
            num_candidates=self.num_candidates,
            resample_rounds=limits.resample_rounds,
        )

    def _search_with(
        self, theorem: Theorem, environment: ProofEnvironment, config: SearchConfig
    ) -> SearchAnswer:
        started = time.monotonic()
        try:
            root = environment.open(theorem)
        except BackendError as exc:
            raise ServiceUnavailable(f"the proof backend failed: {exc}") from exc
        file_context: tuple[int, ...] = ()
        if self.learn_header is not None:
            with self._generator_lock:  # learning changes the generator: one at a time
                _, file_context = self.learn_header.learn(theorem)
        # Opening the header and replaying its proofs (once per header) both count.
        header_time_s = time.monotonic() - started
        remaining_s = config.time_limit_s - header_time_s
        if remaining_s <= 0:
            return _timed_out(config.time_limit_s, header_time_s)
        generator: TacticGenerator = self.generator
        if self.serialize_generator:
            generator = _LockedGenerator(self.generator, self._generator_lock)
        resumed = ResumedEnvironment(inner=environment, state=root, prefix=())
        config = replace(
            config,
            time_limit_s=remaining_s,
            tactic_timeout_s=min(config.tactic_timeout_s, remaining_s),
        )
        scorer, schedule = self._scoring(config, file_context)
        result = best_first_search(
            theorem, resumed, generator, config=config, scorer=scorer, schedule=schedule
        )
        answer = _verified_answer(theorem, environment, result, language=self.language)
        if (
            answer.verified
            and result.proof is not None
            and isinstance(self.generator, OnlineLearner)
        ):
            steps = steps_of_proof(result.proof, result.proof_states, theorem=theorem.name)
            with self._generator_lock:
                self.generator.learn(steps)
        return replace(answer, time_s=time.monotonic() - started, header_time_s=header_time_s)

    def _scoring(
        self, config: SearchConfig, file_context: tuple[int, ...]
    ) -> tuple[NodeScorer | None, SamplingSchedule | None]:
        """This search's scorer and schedule: the server's progress model under the
        search's own file context (:class:`~models.progress.shared.SharedPredictor`)."""
        predictor = None
        if self.progress is not None:
            from models.progress.shared import SharedPredictor

            predictor = SharedPredictor(self.progress, lock=self._progress_lock)
            predictor.set_file_context(file_context)
        return build_scoring(self.scoring, config, predictor=predictor)


def _timed_out(time_limit_s: float, header_time_s: float) -> SearchAnswer:
    return SearchAnswer(
        status=SearchStatus.FAILED.value,
        stop_reason=StopReason.TIME_LIMIT.value,
        proof=None,
        proof_text=None,
        verified=False,
        expansions=0,
        error=(
            f"opening the theorem (header loading included) took {header_time_s:.1f} s "
            f"of the {time_limit_s:g} s time limit"
        ),
        time_s=header_time_s,
        header_time_s=header_time_s,
    )


_KERNEL_REPLAY = {"lean4": "lean4checker"}
"""The check a request's proof must have passed, by language. Lean's REPL check reads the
environment that the request's header elaborated, and header code can forge it (round
seven: ``run_meta`` adding a theorem with the kernel check off); only ``lean4checker``'s
replay of the compiled file re-checks every declaration. Coq always runs ``coqchk``."""


def _verified_answer(
    theorem: Theorem, environment: ProofEnvironment, result: SearchResult, *, language: str
) -> SearchAnswer:
    """The answer for ``result``: ``proved`` only when ``environment.verify`` accepts the proof
    with the kernel replay :data:`_KERNEL_REPLAY` names for ``language``."""
    status = SearchStatus.FAILED if result.status is SearchStatus.PROVED else result.status
    answer = SearchAnswer(
        status=status.value,
        stop_reason=result.stop_reason.value,
        proof=None,
        proof_text=None,
        verified=False,
        expansions=result.expansions,
        error=result.error,
        time_s=0.0,
        header_time_s=0.0,
    )
    if result.proof is None:
        return answer
    try:
        verification = environment.verify(theorem, result.proof)
    except ProverError as exc:
        return replace(answer, status=SearchStatus.ERROR.value, error=f"verifier error: {exc}")
    if not verification.ok:
        logger.warning("search of %s found a proof that verification rejected", theorem.name)
        return replace(
            answer, error=f"the proof found was rejected by verification: {verification.message}"
        )
    replay = _KERNEL_REPLAY.get(language)
    if replay is not None and replay not in verification.checks:
        return replace(
            answer,
            error=f"the proof found passed {', '.join(verification.checks)} but not {replay}, "
            f"which a request's {language} proof needs (install it in the Lean project)",
        )
    return replace(
        answer,
        status=SearchStatus.PROVED.value,
        proof=list(result.proof),
        proof_text=verification.proof_text,
        verified=True,
        axioms=verification.axioms,
    )


@dataclass(frozen=True)
class _LockedGenerator:
    """A generator whose calls are serialized with the server's other generator calls."""

    inner: TacticGenerator
    lock: threading.Lock

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        with self.lock:
            return self.inner.generate(requests)

    @property
    def stages(self) -> int:
        """The wrapped generator's rounds per state (a staged union keeps its rounds)."""
        return generation_stages(self.inner)


def _probability(log_score: float) -> float:
    if not math.isfinite(log_score):
        return 0.0
    return math.exp(min(log_score, 700.0))
