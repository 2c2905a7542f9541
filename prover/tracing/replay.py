"""Replay a Coq source sentence by sentence in a real coqtop, recording every proof step.

The whole file is replayed in order, so Ltac definitions, sections and their variables,
notations, hints and local settings are in effect exactly as when Coq compiled it.
Outside proofs every sentence is sent; a rejected one stops the file (everything traced
before it is kept). Inside a proof:

* bullets and braces, ``Proof.``/``Proof using``/``Proof with`` and vernacular commands
  (``Hint``, ``Opaque``, ``Check``...) are sent but are not steps;
* every other sentence is a step: the goals are read before it (``Show.``), then it is
  sent as written;
* ``Qed``/``Defined``/``Save`` record the proof as traced; ``Admitted``/``Abort``, a
  ``Proof term.``, a step the search itself would reject (an uppercase Ltac, ``Unshelve``)
  record it as skipped with the reason;
* a sentence Coq rejects skips the proof with Coq's message: the proof is ``Admitted`` so
  that later proofs still find the lemma, and the rest of its sentences are not sent.

Tactics ending in ``...`` under ``Proof with T`` are recorded as ``(tac); T`` (Coq runs
``tac; T``), so that a row replays the same way in the search, which has no ``Proof with``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.sentences import (
    CoqSentence,
    ending_of,
    is_vernacular_in_proof,
    read_proof_opening,
    split_for_coqtop,
    theorem_declaration,
)
from prover.backends.coq.text import CoqTextError
from prover.tracing.benchmark_filter import statement_key
from prover.tracing.records import (
    STATUS_SKIPPED,
    STATUS_TRACED,
    SourceTrace,
    TheoremStatus,
    TracedStep,
)
from prover.tracing.session import (
    CoqtopSession,
    ReplaySettings,
    Reply,
    SessionFailure,
    ShownGoals,
)
from search.outcomes import TacticError

__all__ = ["SourceIdentity", "replay_source"]

_SELECTOR = re.compile(
    r"^(?:all|par|!|\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*|\[[^\]]*\])\s*:\s*"
)
_SIMPLE_TACTIC = re.compile(r"^[\w'.@ ,:;-]*$")


@dataclass(frozen=True, kw_only=True)
class SourceIdentity:
    """Where a source comes from: library name, path relative to its root, module path."""

    library: str
    file: str
    module: str = ""


@dataclass(kw_only=True)
class _OpenProof:
    """A proof being replayed."""

    name: str
    statement: str
    line: int
    steps: list[tuple[ShownGoals, str]] = field(default_factory=list)
    with_tactic: str | None = None
    problem: str | None = None
    admitted: bool = False


class _FileStop(Exception):
    """The replay of this file cannot go on (Coq rejected a command outside a proof)."""


def expand_ellipsis(code: str, with_tactic: str | None) -> str:
    """``tac...`` as the search must run it: ``(tac); T`` under ``Proof with T``, else ``tac.``."""
    if not code.endswith("..."):
        return code
    body = code[:-3].strip()
    if with_tactic is None:
        return body + "."
    selector_match = _SELECTOR.match(body)
    selector = selector_match.group(0) if selector_match else ""
    body = body[len(selector) :]
    if not _SIMPLE_TACTIC.match(body):
        body = f"({body})"
    ending = with_tactic if _SIMPLE_TACTIC.match(with_tactic) else f"({with_tactic})"
    return f"{selector}{body}; {ending}."


def _statement_body(statement: str) -> str:
    declaration = theorem_declaration(statement)
    if declaration is not None:
        return declaration[1]
    return statement.removeprefix("Goal").strip().removesuffix(".")


class _Replay:
    """The walk over one source's sentences (one coqtop session)."""

    def __init__(
        self,
        source: str,
        session: CoqtopSession,
        identity: SourceIdentity,
        excluded: frozenset[str],
    ) -> None:
        self.source = source
        self.session = session
        self.identity = identity
        self.excluded = excluded
        self.proof: _OpenProof | None = None
        self.steps: list[TracedStep] = []
        self.theorems: list[TheoremStatus] = []

    def walk(self, sentences: list[CoqSentence]) -> None:
        """Replay every sentence; raises :class:`_FileStop` or :class:`SessionFailure`."""
        for sentence in sentences:
            if not sentence.terminated:
                continue  # a trailing fragment without its '.'
            if self.proof is None:
                self._outside(sentence)
            else:
                self._inside(sentence, self.proof)
        if self.proof is not None and not self.proof.admitted:
            self._skip(self.proof, "proof not closed at the end of the file", ending=None)

    def stop(self, error: str) -> None:
        """The replay stopped: an open proof is recorded as skipped with the reason."""
        if self.proof is not None and not self.proof.admitted:
            self._skip(self.proof, error, ending=None)
        self.proof = None

    def _send(self, sentence: CoqSentence) -> Reply:
        try:
            return self.session.send(sentence.text)
        except SessionFailure as exc:
            raise SessionFailure(f"line {sentence.line(self.source)}: {exc}") from exc

    def _outside(self, sentence: CoqSentence) -> None:
        reply = self._send(sentence)
        line = sentence.line(self.source)
        if not reply.accepted:
            raise _FileStop(f"line {line}: Coq rejected {sentence.code[:80]!r}: {reply.error}")
        if reply.prompt.in_proof:
            self.proof = _OpenProof(name=reply.prompt.name, statement=sentence.code, line=line)
            return
        declaration = theorem_declaration(sentence.code)
        if declaration is not None:
            proof = _OpenProof(name=declaration[0], statement=sentence.code, line=line)
            self._skip(proof, "term-mode proof", ending=None)

    def _inside(self, sentence: CoqSentence, proof: _OpenProof) -> None:
        ending = None if sentence.focus else ending_of(sentence.code)
        if proof.admitted:
            if ending is not None:
                self.proof = None
            return
        if ending is not None:
            self._close(sentence, proof, ending)
            return
        opening = None if sentence.focus else read_proof_opening(sentence.code)
        if opening is not None and opening.term:
            proof.problem = "term-mode proof"
            self._close(sentence, proof, None)  # ``Proof term.`` ends the proof
            return
        if opening is not None:
            proof.with_tactic = opening.with_tactic
        if sentence.focus or opening is not None or is_vernacular_in_proof(sentence.code):
            self._send_in_proof(sentence, proof)
        else:
            self._step(sentence, proof)

    def _send_in_proof(self, sentence: CoqSentence, proof: _OpenProof) -> Reply | None:
        reply = self._send(sentence)
        if not reply.accepted:
            self._abandon(proof, sentence, reply.error)
            return None
        if not reply.prompt.in_proof or reply.prompt.name != proof.name:
            raise _FileStop(
                f"line {sentence.line(self.source)}: {sentence.code[:80]!r} left proof "
                f"{proof.name} (nested proofs are not replayed)"
            )
        return reply

    def _step(self, sentence: CoqSentence, proof: _OpenProof) -> None:
        tactic = check_coq_tactic(expand_ellipsis(sentence.code, proof.with_tactic))
        if isinstance(tactic, TacticError) and proof.problem is None:
            proof.problem = f"step the search rejects ({tactic.message}): {sentence.code[:100]}"
        state: ShownGoals | str | None = None
        if proof.problem is None:
            state = self.session.goals()
            if isinstance(state, str):
                proof.problem = state
        if self._send_in_proof(sentence, proof) is None:
            return
        if isinstance(state, ShownGoals) and isinstance(tactic, str):
            proof.steps.append((state, tactic))

    def _abandon(self, proof: _OpenProof, sentence: CoqSentence, error: str) -> None:
        """Coq rejected a sentence of the proof: admit it so the file goes on."""
        line = sentence.line(self.source)
        self._skip(proof, f"Coq error at line {line}: {error}", ending=None)
        self._admit(sentence)
        proof.admitted = True

    def _admit(self, sentence: CoqSentence) -> None:
        for command in ("Admitted.", "Abort."):
            reply = self.session.send(command)
            if reply.accepted and not reply.prompt.in_proof:
                return
        raise _FileStop(f"line {sentence.line(self.source)}: cannot leave a failed proof")

    def _close(self, sentence: CoqSentence, proof: _OpenProof, ending: str | None) -> None:
        reply = self._send(sentence)
        self.proof = None
        if not reply.accepted:
            self._skip(proof, f"Coq rejected {sentence.code[:60]!r}: {reply.error}", ending=ending)
            self._admit(sentence)
            return
        if reply.prompt.in_proof:
            raise _FileStop(
                f"line {sentence.line(self.source)}: still in a proof after {sentence.code[:60]!r}"
            )
        if ending in ("Admitted", "Abort"):
            self._skip(proof, ending, ending=ending)
        elif proof.problem is not None:
            self._skip(proof, proof.problem, ending=ending)
        elif not proof.steps or ending is None:
            self._skip(proof, "no tactic steps", ending=ending)
        elif statement_key(_statement_body(proof.statement)) in self.excluded:
            self._skip(proof, "miniF2F statement", ending=ending)
        else:
            self._record(proof, ending)

    def _skip(self, proof: _OpenProof, reason: str, *, ending: str | None) -> None:
        self.theorems.append(self._status(proof, STATUS_SKIPPED, reason, ending))

    def _status(
        self, proof: _OpenProof, status: str, reason: str | None, ending: str | None
    ) -> TheoremStatus:
        return TheoremStatus(
            library=self.identity.library,
            file=self.identity.file,
            theorem=proof.name,
            status=status,
            reason=reason,
            proof_length=len(proof.steps) if status == STATUS_TRACED else None,
            ending=ending,
            statement=proof.statement,
            line=proof.line,
        )

    def _record(self, proof: _OpenProof, ending: str) -> None:
        length = len(proof.steps)
        self.theorems.append(self._status(proof, STATUS_TRACED, None, ending))
        for index, (shown, tactic) in enumerate(proof.steps):
            self.steps.append(
                TracedStep(
                    library=self.identity.library,
                    file=self.identity.file,
                    module=self.identity.module,
                    theorem=proof.name,
                    step=index,
                    state=shown.state.text,
                    tactic=tactic,
                    remaining_steps=length - index,
                    proof_length=length,
                    num_goals=shown.state.num_goals,
                    unfocused=shown.unfocused_text,
                )
            )


def replay_source(
    source: str,
    *,
    settings: ReplaySettings,
    identity: SourceIdentity,
    on_start: Callable[[CoqtopSession], None] | None = None,
) -> SourceTrace:
    """Replay ``source`` in a fresh coqtop; what was traced, and why it stopped if it did.

    ``on_start`` receives the session once coqtop runs (a batch keeps it to stop it on
    an interrupt). Raises :class:`~search.errors.BackendUnavailable` when coqtop cannot
    start at all.
    """
    started = time.monotonic()
    try:
        sentences = split_for_coqtop(source)
    except CoqTextError as exc:
        return SourceTrace(error=f"cannot split into sentences: {exc}")
    error: str | None = None
    with CoqtopSession(settings) as session:
        if on_start is not None:
            on_start(session)
        replay = _Replay(source, session, identity, settings.excluded_statements)
        try:
            session.show_unfocused_goals()
            replay.walk(sentences)
        except (_FileStop, SessionFailure) as exc:
            error = str(exc)
            replay.stop(error)
    return SourceTrace(
        steps=replay.steps,
        theorems=replay.theorems,
        error=error,
        sentences=len(sentences),
        elapsed_s=time.monotonic() - started,
    )
