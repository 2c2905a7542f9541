"""Online learning, prover side: hand generators that learn the proofs they may use.

Two moments (the online-learning contract, issue 13):

* before searching a theorem of a real file (``prove --file``, ``assist --file``,
  ``serve /search`` with a header), the proofs the file's header already contains: the
  header is replayed in coqtop by :func:`prover.tracing.trace_source` and every tactic
  step, with the state before it, is learned (:func:`learn_from_header`);
* after every verified proof of a run, its steps, before the next theorem
  (:func:`learn_from_record`).

Only generators implementing :class:`~search.protocols.OnlineLearner` are fed; for the
others both functions return 0 without doing any work (no header replay). A progress
scorer or predictor that takes file context (:mod:`models.progress.file_context`) is given
the lengths of the header's proofs before each theorem (``prove --file``, ``assist``,
``serve /search``).
Learning is an optimisation: a header that cannot be replayed is logged and skipped, never
an error.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from models.progress.file_context import FileContextual, context_user, proof_lengths_in_order
from prover.attempts.record import AttemptRecord
from prover.backends.factory import BackendConfig, coq_config
from search.errors import ProverError
from search.protocols import OnlineLearner, ProofStep, TacticGenerator
from search.states import Theorem

__all__ = [
    "HeaderLearner",
    "HeaderTracer",
    "header_learner",
    "header_learning",
    "header_steps",
    "learn_from_header",
    "learn_from_record",
    "proof_steps",
    "steps_of_proof",
]

logger = logging.getLogger(__name__)

#: ``trace_source``'s signature (contracts.md section 3): header text -> object with ``.steps``.
HeaderTracer = Callable[..., Any]


def proof_steps(record: AttemptRecord, *, theorem: str) -> list[ProofStep]:
    """The steps of a record's verified proof (state before each tactic), else none."""
    if record.status != "proved" or not record.verified or record.proof is None:
        return []
    return steps_of_proof(record.proof, record.proof_states, theorem=theorem)


def steps_of_proof(proof: Sequence[str], states: Sequence[str], *, theorem: str) -> list[ProofStep]:
    """One step per tactic of a verified proof, with the state before it; none if they differ."""
    if len(states) != len(proof):
        logger.warning("%s: proof and proof states differ in length; not learned", theorem)
        return []
    return [
        ProofStep(state=state, tactic=tactic, remaining_steps=len(proof) - index, theorem=theorem)
        for index, (tactic, state) in enumerate(zip(proof, states, strict=True))
    ]


def learn_from_record(generator: TacticGenerator, record: AttemptRecord, *, theorem: str) -> int:
    """Give a verified proof's steps to ``generator`` if it learns; returns how many."""
    if not isinstance(generator, OnlineLearner):
        return 0
    steps = proof_steps(record, theorem=theorem)
    if steps:
        generator.learn(steps)
    return len(steps)


def learn_from_header(
    generator: TacticGenerator,
    theorem: Theorem,
    *,
    coq: Any = None,
    tracer: HeaderTracer | None = None,
) -> int:
    """Replay ``theorem.header``'s proofs and give their steps to ``generator``.

    ``coq`` is the :class:`~prover.backends.coq.config.CoqConfig` to replay with;
    ``tracer`` defaults to :func:`prover.tracing.trace_source`. Returns the steps learned.
    """
    if not isinstance(generator, OnlineLearner):
        return 0
    return _learn(generator, theorem, header_steps(theorem, coq=coq, tracer=tracer))


def _learn(generator: OnlineLearner, theorem: Theorem, steps: Sequence[ProofStep]) -> int:
    if steps:
        generator.learn(steps)
    logger.info("%s: learned %d steps from the header's proofs", theorem.name, len(steps))
    return len(steps)


def header_steps(
    theorem: Theorem, *, coq: Any = None, tracer: HeaderTracer | None = None
) -> list[ProofStep]:
    """The steps of the proofs in ``theorem.header``, replayed; none if it cannot be."""
    if not theorem.header.strip():
        return []
    if tracer is None:
        from prover.tracing import trace_source

        tracer = trace_source
    try:
        trace = tracer(theorem.header, coq=coq, file=theorem.source or "<header>")
    except ProverError as exc:
        logger.warning("%s: the header's proofs could not be replayed: %s", theorem.name, exc)
        return []
    return _traced_steps(trace.steps)


class HeaderLearner:
    """Learns each distinct header once: a server or a run sees the same header repeatedly.

    Call it with a theorem before searching it; it returns the steps learned now (0 when
    the generator does not learn or the header was learned before). With ``progress`` (a
    progress scorer or predictor that takes file context), every call also hands it the
    lengths of the header's proofs (:mod:`models.progress.file_context`), kept per header;
    with ``context``, :meth:`learn` returns them to a caller that passes them on itself
    (a server, whose searches each have their own).
    """

    def __init__(
        self,
        generator: TacticGenerator,
        *,
        coq: Any = None,
        tracer: HeaderTracer | None = None,
        progress: FileContextual | None = None,
        context: bool = False,
    ) -> None:
        self.generator = generator
        self.coq = coq
        self.tracer = tracer
        self.progress = progress
        self.context = context or progress is not None
        self._lengths: dict[str, tuple[int, ...]] = {}

    def __call__(self, theorem: Theorem) -> int:
        learned, lengths = self.learn(theorem)
        if self.progress is not None:
            self.progress.set_file_context(lengths)
        return learned

    def learn(self, theorem: Theorem) -> tuple[int, tuple[int, ...]]:
        """Learn the header's proofs (once per header); (steps learned now, proof lengths).

        The lengths are those of the header's proofs in file order, empty without
        ``context`` or ``progress`` (then nothing is replayed for them).
        """
        digest = hashlib.sha256(theorem.header.encode("utf-8")).hexdigest()
        learned = 0
        if digest not in self._lengths:
            steps: list[ProofStep] = []
            if isinstance(self.generator, OnlineLearner) or self.context:
                steps = header_steps(theorem, coq=self.coq, tracer=self.tracer)
            if isinstance(self.generator, OnlineLearner):
                learned = _learn(self.generator, theorem, steps)
            self._lengths[digest] = tuple(
                proof_lengths_in_order((step.theorem, step.remaining_steps) for step in steps)
            )
            if self.context:
                logger.info(
                    "%s: progress context of %d proofs above",
                    theorem.name,
                    len(self._lengths[digest]),
                )
        return learned, self._lengths[digest] if self.context else ()


def _traced_steps(traced: Sequence[Any]) -> list[ProofStep]:
    return [
        ProofStep(
            state=step.state,
            tactic=step.tactic,
            remaining_steps=step.remaining_steps,
            theorem=step.theorem,
        )
        for step in traced
    ]


def header_learner(
    generator: TacticGenerator,
    backend: BackendConfig,
    *,
    progress: object = None,
    context: bool = False,
) -> HeaderLearner | None:
    """For theorems of a real Coq file: a learner of each header's proofs, or None.

    ``progress`` (a run's scorer, or the assistant's predictor) is given the lengths of the
    header's proofs when it uses file context; ``context`` has :meth:`HeaderLearner.learn`
    return them instead. None when there is nothing to do: neither the generator learns nor
    a context is wanted, or the backend is not Coq.
    """
    contextual = context_user(progress)
    if backend.language != "coq" or (
        not isinstance(generator, OnlineLearner) and contextual is None and not context
    ):
        return None
    return HeaderLearner(generator, coq=coq_config(backend), progress=contextual, context=context)


def header_learning(
    generator: TacticGenerator, backend: BackendConfig, *, progress: object = None
) -> Callable[[Theorem], None] | None:
    """:func:`header_learner` as a hook run before each theorem (prove, assist)."""
    learner = header_learner(generator, backend, progress=progress)
    if learner is None:
        return None

    def learn(theorem: Theorem) -> None:
        learner(theorem)

    return learn
