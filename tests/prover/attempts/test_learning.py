"""Online learning on the prover side: verified proofs and header proofs reach learners."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from prover.attempts.learning import learn_from_header, learn_from_record, proof_steps
from prover.attempts.record import AttemptRecord
from prover.attempts.run import prove_entries
from prover.data.benchmarks import BenchmarkEntry
from search.config import SearchConfig
from search.errors import StatementError
from search.protocols import GenerationRequest, ProofStep
from search.states import Candidate, Theorem
from search.testing import ScriptedEnvironment, ScriptedGenerator

SCRIPT = {"A": {"split": "B", "bad": "error"}, "B": {"auto": "proved"}}


@dataclass(kw_only=True)
class LearningGenerator(ScriptedGenerator):
    """A scripted generator that logs its generate and learn calls in order."""

    events: list[tuple[str, Any]] = field(default_factory=list)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        self.events.append(("generate", requests[0].theorem.name))
        return super().generate(requests)

    def learn(self, steps: Sequence[ProofStep]) -> None:
        self.events.append(("learn", list(steps)))


def theorem(name: str, header: str = "") -> Theorem:
    """A theorem for the scripted environment."""
    return Theorem(name=name, header=header, statement=f"Lemma {name} : A.")


def record(**changes: Any) -> AttemptRecord:
    """A proved, verified record of the two-step scripted proof."""
    fields: dict[str, Any] = {
        "name": "k",
        "attempt": 0,
        "seed": 0,
        "status": "proved",
        "proof": ("split", "auto"),
        "proof_text": "",
        "verified": True,
        "expansions": 2,
        "time_s": 0.1,
        "error": None,
        "proof_states": ("A", "B"),
    }
    fields.update(changes)
    return AttemptRecord(**fields)


def test_proof_steps_pair_states_and_tactics() -> None:
    """A verified record gives one step per tactic; unverified or failed ones give none."""
    steps = proof_steps(record(), theorem="one")
    assert [(s.state, s.tactic, s.remaining_steps, s.theorem) for s in steps] == [
        ("A", "split", 2, "one"),
        ("B", "auto", 1, "one"),
    ]
    assert proof_steps(record(verified=False, status="failed"), theorem="one") == []
    assert proof_steps(record(proof_states=("A",)), theorem="one") == []


def test_only_learners_are_fed() -> None:
    """learn_from_record feeds an OnlineLearner and ignores a plain generator."""
    learner = LearningGenerator(candidates={})
    assert learn_from_record(learner, record(), theorem="one") == 2
    assert learner.events[0][0] == "learn"
    assert learn_from_record(ScriptedGenerator(candidates={}), record(), theorem="one") == 0


def test_prove_entries_learns_each_proof_before_the_next_theorem() -> None:
    """The first theorem's proof is learned after its search and before the second's."""
    generator = LearningGenerator.from_script(SCRIPT)
    assert isinstance(generator, LearningGenerator)
    seen: list[str] = []
    entries = [BenchmarkEntry(key=n, theorem=theorem(n)) for n in ("one", "two")]
    records = prove_entries(
        entries,
        environment=ScriptedEnvironment(SCRIPT, root="A"),
        generator=generator,
        config=SearchConfig(time_limit_s=10.0),
        on_record=lambda r: None,
        before_theorem=lambda t: seen.append(t.name),
    )
    assert [r.status for r in records] == ["proved", "proved"] and seen == ["one", "two"]
    kinds = [kind for kind, _ in generator.events]
    first_learn = kinds.index("learn")
    assert generator.events[first_learn - 1] == ("generate", "one")
    assert generator.events[first_learn + 1] == ("generate", "two")
    learned = generator.events[first_learn][1]
    assert [(s.state, s.tactic, s.theorem) for s in learned] == [
        ("A", "split", "one"),
        ("B", "auto", "one"),
    ]


@dataclass
class FakeTrace:
    """What trace_source returns: an object with ``.steps``."""

    steps: list[Any]


@dataclass
class FakeTracedStep:
    """The fields of a traced step that learning reads."""

    state: str
    tactic: str
    remaining_steps: int
    theorem: str


def test_header_proofs_are_traced_and_learned() -> None:
    """The header goes to the tracer; its steps reach the learner with their theorem names."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def tracer(text: str, **options: Any) -> FakeTrace:
        calls.append((text, options))
        return FakeTrace([FakeTracedStep("⊢ True", "exact I.", 1, "above")])

    learner = LearningGenerator(candidates={})
    header = "Lemma above : True. Proof. exact I. Qed."
    count = learn_from_header(learner, theorem("below", header), coq=None, tracer=tracer)
    assert count == 1 and calls[0][0] == header
    [(kind, steps)] = learner.events
    assert kind == "learn" and steps[0].theorem == "above" and steps[0].tactic == "exact I."


def test_header_learning_is_skipped_for_non_learners_and_survives_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No tracing without a learner; a tracer error is logged and learning is skipped."""

    def failing(text: str, **options: Any) -> FakeTrace:
        raise StatementError("Coq rejected the header")

    plain = ScriptedGenerator(candidates={})
    assert learn_from_header(plain, theorem("t", "Lemma x : True."), tracer=failing) == 0
    learner = LearningGenerator(candidates={})
    with caplog.at_level(logging.WARNING):
        assert learn_from_header(learner, theorem("t", "Lemma x : True."), tracer=failing) == 0
    assert "could not be replayed" in caplog.text and learner.events == []


def test_header_learner_traces_each_header_once() -> None:
    """The same header is traced once; a different one is traced again."""
    from prover.attempts.learning import HeaderLearner

    calls: list[str] = []

    def tracer(text: str, **options: Any) -> FakeTrace:
        calls.append(text)
        return FakeTrace([FakeTracedStep("⊢ True", "exact I.", 1, "above")])

    learner = LearningGenerator(candidates={})
    once = HeaderLearner(learner, tracer=tracer)
    assert once(theorem("a", "Lemma x : True.")) == 1
    assert once(theorem("b", "Lemma x : True.")) == 0
    assert once(theorem("c", "Lemma y : True.")) == 1
    assert calls == ["Lemma x : True.", "Lemma y : True."]


@pytest.mark.skipif(
    shutil.which("bwrap") is None or shutil.which("coqtop") is None,
    reason="needs bubblewrap and Coq (scripts/setup.sh)",
)
def test_header_replays_run_in_the_backends_sandbox(tmp_path: Path) -> None:
    """The header learner replays in real coqtop under the backend's --sandbox: a header
    that writes a file does so unsandboxed (the control) and not with bwrap, where its
    replay fails and nothing is learned."""
    from prover.attempts.learning import header_learning
    from prover.backends.factory import BackendConfig

    target = tmp_path / "replayed.out"
    header = (
        f'Redirect "{target.with_suffix("")}" Check nat.\n'
        "Lemma above : True. Proof. exact I. Qed.\n"
    )
    unsandboxed = LearningGenerator(candidates={})
    learn = header_learning(unsandboxed, BackendConfig(name="coq", sandbox="off"))
    assert learn is not None
    learn(theorem("below", header))
    assert target.exists() and unsandboxed.events[0][0] == "learn"
    target.unlink()
    sandboxed = LearningGenerator(candidates={})
    learn = header_learning(sandboxed, BackendConfig(name="coq", sandbox="bwrap"))
    assert learn is not None
    learn(theorem("below", header))
    assert not target.exists() and sandboxed.events == []


class ContextRecorder:
    """A progress scorer stand-in that records the file contexts it is given."""

    def __init__(self, *, uses_file_context: bool = True) -> None:
        self.contexts: list[tuple[int, ...]] = []
        self.uses_file_context = uses_file_context

    def set_file_context(self, proof_lengths: Sequence[int]) -> None:
        self.contexts.append(tuple(proof_lengths))


def test_header_learner_hands_progress_the_header_proof_lengths() -> None:
    """Each theorem's progress context is the lengths of its header's proofs, replayed once
    per header even when the generator does not learn; an empty header gives none."""
    from prover.attempts.learning import HeaderLearner

    calls: list[str] = []

    def tracer(text: str, **options: Any) -> FakeTrace:
        calls.append(text)
        return FakeTrace(
            [
                FakeTracedStep("⊢ A", "split.", 2, "first"),
                FakeTracedStep("⊢ B", "auto.", 1, "first"),
                FakeTracedStep("⊢ C", "exact I.", 1, "second"),
            ]
        )

    progress = ContextRecorder()
    learner = HeaderLearner(ScriptedGenerator(candidates={}), tracer=tracer, progress=progress)
    assert learner(theorem("a", "Lemma x : True.")) == 0
    learner(theorem("b", "Lemma x : True."))
    learner(theorem("c", ""))
    assert progress.contexts == [(2, 1), (2, 1), ()]
    assert calls == ["Lemma x : True."]


def test_header_learning_hook_exists_for_a_contextual_scorer_alone() -> None:
    """A non-learning generator still gets a header hook when progress takes file context."""
    from prover.attempts.learning import header_learning
    from prover.backends.factory import BackendConfig

    plain = ScriptedGenerator(candidates={})
    backend = BackendConfig(name="coq", sandbox="off")
    assert header_learning(plain, backend) is None
    assert header_learning(plain, backend, progress=object()) is None
    unused = ContextRecorder(uses_file_context=False)
    assert header_learning(plain, backend, progress=unused) is None
    assert header_learning(plain, backend, progress=ContextRecorder()) is not None


def test_header_learner_returns_the_context_to_a_caller_that_asks() -> None:
    """With ``context``, learn() replays once per header and returns (learned, lengths);
    without context or progress a non-learner returns no lengths and never replays."""
    from prover.attempts.learning import HeaderLearner

    calls: list[str] = []

    def tracer(text: str, **options: Any) -> FakeTrace:
        calls.append(text)
        return FakeTrace(
            [FakeTracedStep("⊢ A", "split.", 2, "first"), FakeTracedStep("⊢ C", "auto.", 1, "x")]
        )

    asking = HeaderLearner(LearningGenerator(candidates={}), tracer=tracer, context=True)
    assert asking.learn(theorem("a", "Lemma x : True.")) == (2, (2, 1))
    assert asking.learn(theorem("b", "Lemma x : True.")) == (0, (2, 1))
    assert calls == ["Lemma x : True."]
    silent = HeaderLearner(ScriptedGenerator(candidates={}), tracer=tracer)
    assert silent.learn(theorem("c", "Lemma y : True.")) == (0, ())
    assert calls == ["Lemma x : True."]


def test_header_learner_factory_is_built_for_a_wanted_context_alone() -> None:
    """header_learner gives a learner to a non-learning generator only when the caller wants
    the context (a server whose progress model uses it), and never for Lean."""
    from prover.attempts.learning import header_learner
    from prover.backends.factory import BackendConfig

    plain = ScriptedGenerator(candidates={})
    coq = BackendConfig(name="coq", sandbox="off")
    assert header_learner(plain, coq) is None
    learner = header_learner(plain, coq, context=True)
    assert learner is not None and learner.context
    assert header_learner(plain, BackendConfig(name="lean-repl"), context=True) is None
