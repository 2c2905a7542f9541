"""Which theorem headers of a library the prover takes, and do theorems inside functors verify?

For every theorem sentence of every ``.v`` file of ``--library``, the text before it is the
header that ``prover prove --file F --theorem T`` checks, and
:func:`~prover.backends.coq.kernel_bugs.target_refusal` decides whether the theorem may be
searched and counted. The tally: accepted (inside a functor or not) and refused by reason
(module type, a functor the checked file cannot apply, unreadable blocks, other).

With ``--verify N``: N accepted theorems of the sample ``--sample`` names (``functor``,
the default: inside a functor; ``section``: inside a section; ``any``: anywhere), chosen by
sha256 of file and name (stable across runs), whose library proof is plain tactic
sentences between ``Proof.`` and ``Qed.`` (no bullet or brace, which a proof step may not
be), are verified with that proof by :func:`~prover.backends.coq.verify.verify_proof`,
with ``--coq-prelude`` loaded as ``prove --file`` loads it: how many count, and why the
others do not. With ``--whole-file`` each is read as ``prove --file`` reads it (the file's
whole text kept), so verification also runs the checks against the user's whole file (the
names compile, the copy at the file's end).

Usage::

    python -m benchmarks.header_refusals --library stdlib --verify 40 \\
        --output docs/results/header-refusals.json
    python -m benchmarks.header_refusals --library mathcomp-ssreflect --verify 20 --sample any
    python -m benchmarks.header_refusals --library stdlib --verify 40 --sample section
    python -m benchmarks.header_refusals --library stdlib --verify 60 --whole-file
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.backends.coq.blocks import open_blocks
from prover.backends.coq.characters import spaced_superscripts
from prover.backends.coq.kernel_bugs import target_refusal
from prover.backends.coq.sentences import (
    CoqSentence,
    ending_of,
    split_for_coqtop,
    theorem_declaration,
)
from prover.backends.coq.text import CoqTextError
from prover.backends.coq.verify import verify_proof
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.data.theorem_files import coq_declaration_from_source
from prover.tracing.libraries import coq_where, library_files
from search.errors import InputError
from search.states import Theorem

_REASONS = (
    ("inside 'Module Type", "module type"),
    ("cannot apply it", "functor not applicable"),
    ("cannot be read with certainty", "unreadable blocks"),
)


_EXAMPLES = 20


@dataclass(frozen=True, kw_only=True)
class _Candidate:
    """An accepted theorem (of the sample ``--sample`` asks for) with a plain
    library proof."""

    file: str
    theorem: Theorem
    proof: tuple[str, ...]
    path: Path | None = None


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--library", default="stdlib")
    parser.add_argument("--verify", type=int, default=0, help="theorems to verify")
    parser.add_argument(
        "--sample",
        choices=("functor", "section", "any"),
        default="functor",
        help="verify theorems inside functors, inside sections, or any accepted theorem",
    )
    parser.add_argument(
        "--whole-file",
        action="store_true",
        help="read each theorem as prove --file does, so the whole-file checks run too",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per verification")
    parser.add_argument(
        "--coq-prelude",
        default=DEFAULT_COQ_PRELUDE,
        help="the prelude verification loads, as prove --file does (default: %(default)s)",
    )
    parser.add_argument("--output", type=Path, help="write the figures as JSON here too")
    return parser.parse_args()


def reason_of(refusal: str | None) -> str:
    """The tally's name for a refusal message (None: accepted)."""
    if refusal is None:
        return "accepted"
    for phrase, reason in _REASONS:
        if phrase in refusal:
            return reason
    return "other"


def plain_proof(sentences: list[CoqSentence], start: int) -> tuple[str, ...] | None:
    """The tactic sentences of the proof after sentence ``start`` when it is ``Proof.``, plain
    tactics and ``Qed.``; None for any other shape (bullets, ``Defined``, a term body)."""
    if start + 1 >= len(sentences) or sentences[start + 1].code != "Proof.":
        return None
    tactics: list[str] = []
    for sentence in sentences[start + 2 :]:
        if sentence.focus:
            return None
        ending = ending_of(sentence.code)
        if ending is not None:
            return tuple(tactics) if ending == "Qed" and tactics else None
        tactics.append(sentence.code)
    return None


def survey_file(
    text: str,
    file: str,
    tally: Counter[str],
    examples: dict[str, list[str]] | None = None,
    *,
    sample: str = "functor",
    path: Path | None = None,
) -> list[_Candidate]:
    """Tally every theorem header of one file; its accepted theorems with plain proofs that
    ``sample`` asks for (``functor``: inside a functor; ``section``: inside a section, which
    the prover opens with ``Proof using Type.``; ``any``: all). ``examples`` collects the
    first refusal messages of each reason but the module type (file, theorem, message)."""
    try:
        sentences = split_for_coqtop(text)
    except CoqTextError:
        tally["unsplittable file"] += 1
        return []
    candidates: list[_Candidate] = []
    for index, sentence in enumerate(sentences):
        declaration = theorem_declaration(sentence.code)
        if declaration is None or sentence.focus:
            continue
        header = spaced_superscripts(text[: sentence.offset])  # as the backend opens it
        refusal = target_refusal(header, spaced_superscripts(sentence.code))
        reason = reason_of(refusal)
        if examples is not None and refusal is not None and reason != "module type":
            found = examples.setdefault(reason, [])
            if len(found) < _EXAMPLES:
                found.append(f"{file} {declaration[0]}: {refusal[:160]}")
        blocks = open_blocks(header) if reason == "accepted" else []
        in_functor = any(b.functor for b in blocks)
        tally["theorems"] += 1
        tally["accepted inside a functor" if in_functor else reason] += 1
        candidate = (
            reason == "accepted"
            and {
                "functor": in_functor,
                "section": any(not b.module and not b.signature for b in blocks),
                "any": True,
            }[sample]
        )
        proof = plain_proof(sentences, index) if candidate else None
        if proof is not None:
            theorem = Theorem(name=declaration[0], header=header, statement=sentence.code)
            candidates.append(_Candidate(file=file, theorem=theorem, proof=proof, path=path))
    return candidates


def _sample(candidates: list[_Candidate], size: int) -> list[_Candidate]:
    def key(candidate: _Candidate) -> str:
        return hashlib.sha256(f"{candidate.file}:{candidate.theorem.name}".encode()).hexdigest()

    return sorted(candidates, key=key)[:size]


def verify_sample(
    candidates: list[_Candidate], timeout_s: float, prelude: str, *, whole_file: bool = False
) -> dict[str, Any]:
    """Verify each candidate with its library proof and ``prelude`` (read as ``prove
    --file`` reads it with ``whole_file``): counts and the reasons for failures."""
    outcomes: list[dict[str, Any]] = []
    for candidate in candidates:
        theorem: Theorem | str = candidate.theorem
        if whole_file and candidate.path is not None:
            theorem = _as_file_reads(candidate.path, candidate.theorem.name)
        outcome: dict[str, Any] = {"file": candidate.file, "theorem": candidate.theorem.name}
        if isinstance(theorem, str):
            outcome.update(ok=False, checks=[], time_s=0.0, message=theorem[:200])
        else:
            verification = verify_proof(
                theorem, candidate.proof, timeout_s=timeout_s, prelude=prelude
            )
            outcome.update(
                ok=verification.ok,
                checks=list(verification.checks),
                time_s=round(verification.time_s, 2),
                message=(verification.message or "")[:200],
            )
        outcomes.append(outcome)
        print(f"{candidate.file} {candidate.theorem.name}: {outcome['ok']}", file=sys.stderr)
    verified = sorted(outcome["time_s"] for outcome in outcomes if outcome["ok"])
    return {
        "verified": len(outcomes),
        "ok": sum(outcome["ok"] for outcome in outcomes),
        "median_verified_time_s": verified[len(verified) // 2] if verified else None,
        "outcomes": outcomes,
    }


def _as_file_reads(path: Path, name: str) -> Theorem | str:
    """Theorem ``name`` of the file at ``path`` as ``prove --file`` reads it, or why it is
    refused when read."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        return coq_declaration_from_source(text, name, origin=str(path))
    except InputError as error:
        return f"refused when read: {error}"


def main() -> None:
    arguments = _parse_arguments()
    started = time.monotonic()
    tally: Counter[str] = Counter()
    candidates: list[_Candidate] = []
    examples: dict[str, list[str]] = {}
    for source in library_files(arguments.library, where=coq_where()):
        text = source.path.read_text(encoding="utf-8", errors="replace")
        candidates.extend(
            survey_file(
                text, source.file, tally, examples, sample=arguments.sample, path=source.path
            )
        )
    report: dict[str, Any] = {
        "library": arguments.library,
        "tally": dict(tally.most_common()),
        "refusal_examples": examples,
        "sample": arguments.sample,
        "functor_theorems_with_plain_proofs"
        if arguments.sample == "functor"
        else ("theorems_with_plain_proofs"): len(candidates),
    }
    if arguments.verify:
        report["verification"] = verify_sample(
            _sample(candidates, arguments.verify), arguments.timeout, arguments.coq_prelude,
            whole_file=arguments.whole_file,
        )  # fmt: skip
        report["verification"]["coq_prelude"] = arguments.coq_prelude
        report["verification"]["whole_file"] = arguments.whole_file
    report["wall_s"] = round(time.monotonic() - started, 1)
    text = json.dumps(report, indent=2)
    print(text)
    if arguments.output is not None:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
