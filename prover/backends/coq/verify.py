"""Whole-file re-check of a finished Coq proof, independent of the search's coqtop.

:func:`verify_proof` passes a proof only when (1) every tactic passes the
per-tactic safety check and the script contains no forbidden word (``Admitted``,
``admit``, ``give_up``, ``Abort``, ``Qed``/``Defined``/``Save`` before the end,
``Axiom``/``Parameter``/``Hypothesis``/``Variable``/``Conjecture``...), (2) ``coqc``
compiles ``header + statement + Proof. tactics Qed.`` in a fresh temporary
directory under the memory cap and a timeout, and (3) ``Print Assumptions``
lists no axiom outside :data:`ALLOWED_AXIOMS`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from prover.backends.coq.goals import extract_error, parse_assumptions
from prover.backends.coq.text import (
    CoqTextError,
    check_coq_tactic,
    find_forbidden_words,
    split_sentences,
    strip_comments,
)
from search.errors import BackendUnavailable
from search.outcomes import TacticError, Verification
from search.process import DEFAULT_MEMORY_LIMIT_MB, kill_tree, spawn
from search.states import Theorem

__all__ = ["ALLOWED_AXIOMS", "header_declarations", "verify_proof"]

# The axioms the standard library's real numbers rest on. Determined on Coq 8.16.1
# with ``Print Assumptions`` over nra/lra/field/Rabs proofs and the stdlib lemmas
# sqrt_sqrt, ln_exp, completeness, Rtotal_order, Rcase_abs, up_tech, Int_part,
# PI_RGT_0, sin_PI2, cos_plus, atan_1, Rpower_plus, derivable_pt_lim_exp: every
# one lists a subset of these four (classic only via ln_exp, Rpower_plus, atan_1).
# Arith/ZArith/lia proofs are "Closed under the global context".
ALLOWED_AXIOMS = frozenset(
    {
        "Coq.Reals.ClassicalDedekindReals.sig_forall_dec",
        "Coq.Reals.ClassicalDedekindReals.sig_not_dec",
        "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep",
        "Coq.Logic.Classical_Prop.classic",
    }
)
_VERIFY_MODULE = "ProofCheck"
ASSUMPTIONS_FILE_STEM = "assumptions"

_DECLARATION = re.compile(
    r"(?:(?:Local|Global)\s+)?(?:Axioms?|Parameters?|Conjectures?|Hypothes[ie]s|Variables?)\s+(.*)",
    re.S,
)
_IDENTIFIER = re.compile(r"[A-Za-z_][\w']*")


def _is_allowed_axiom(printed: str, *, declared: frozenset[str]) -> bool:
    """Print Assumptions shortens names to what is imported; match by qualified suffix.

    A name the header declares itself is never allowed, even if it shares its short
    name with a standard axiom (``Axiom classic : False.`` in a header must not pass).
    """
    if printed in declared:
        return False
    return any(full == printed or full.endswith("." + printed) for full in ALLOWED_AXIOMS)


def header_declarations(header: str) -> frozenset[str]:
    """Names the header declares as axioms, parameters, hypotheses or variables."""
    names: set[str] = set()
    for sentence in split_sentences(strip_comments(header)):
        match = _DECLARATION.match(sentence.text)
        if match is None:
            continue
        binders = match.group(1)
        groups = re.findall(r"\(([^():]*):", binders) if binders.lstrip().startswith("(") else []
        if not groups:
            groups = [binders.split(":", 1)[0]]
        for group in groups:
            names.update(_IDENTIFIER.findall(group))
    return frozenset(names)


def _scan_proof(proof: Sequence[str]) -> tuple[list[str], str | None]:
    """Normalize every tactic; the first reason to reject the script, if any."""
    tactics: list[str] = []
    problem: str | None = None
    for raw in proof:
        checked = check_coq_tactic(raw)
        if isinstance(checked, TacticError):
            tactics.append(" ".join(raw.split()))
            problem = problem or f"tactic {raw.strip()[:80]!r} {checked.message}"
        else:
            tactics.append(checked)
    try:
        forbidden = find_forbidden_words("\n".join(tactics))
    except CoqTextError as exc:
        forbidden, problem = [], problem or f"rejected: {exc}"
    if forbidden and problem is None:
        problem = f"rejected: the proof contains {', '.join(forbidden)}"
    return tactics, problem


def verify_proof(
    theorem: Theorem,
    proof: Sequence[str],
    *,
    coqc_path: str = "coqc",
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    timeout_s: float = 300.0,
) -> Verification:
    """Text scan, then ``coqc`` in a fresh directory, then the ``Print Assumptions`` axioms."""
    started = time.monotonic()
    tactics, problem = _scan_proof(proof)
    source = build_proof_source(
        header=theorem.header, statement=theorem.statement, name=theorem.name, tactics=tactics
    )
    if problem is None:
        problem, axioms = _compile(
            source,
            declared=header_declarations(theorem.header),
            coqc_path=coqc_path,
            memory_limit_mb=memory_limit_mb,
            timeout_s=timeout_s,
        )
    else:
        axioms = ()
    return Verification(
        ok=problem is None,
        proof_text=source,
        message=problem,
        axioms=axioms,
        time_s=time.monotonic() - started,
    )


def _compile(
    source: str,
    *,
    declared: frozenset[str],
    coqc_path: str,
    memory_limit_mb: int | None,
    timeout_s: float,
) -> tuple[str | None, tuple[str, ...]]:
    """Compile ``source`` with coqc; (reason to reject or None, axioms used)."""
    executable = shutil.which(coqc_path)
    if executable is None:
        raise BackendUnavailable(
            f"coqc not found ({coqc_path!r}): install Coq (apt-get install -y coq)"
        )
    with tempfile.TemporaryDirectory(prefix="coq-verify-") as name:
        directory = Path(name)
        (directory / f"{_VERIFY_MODULE}.v").write_text(source, encoding="utf-8")
        process = spawn(
            [executable, "-q", f"{_VERIFY_MODULE}.v"],
            cwd=directory,
            memory_limit_mb=memory_limit_mb,
        )
        try:
            output, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return f"coqc timed out after {timeout_s} s", ()
        finally:
            kill_tree(process)
        text = output.decode("utf-8", "replace")
        if process.returncode != 0:
            error = extract_error(text) or text.strip()
            return f"coqc rejected the proof: {_one_line(error)}", ()
        try:
            printed = (directory / f"{ASSUMPTIONS_FILE_STEM}.out").read_text("utf-8", "replace")
        except OSError:
            return "Print Assumptions produced no output", ()
    axioms = parse_assumptions(printed)
    if axioms is None:
        return f"unrecognized Print Assumptions output: {_one_line(printed)}", ()
    disallowed = [name for name in axioms if not _is_allowed_axiom(name, declared=declared)]
    if disallowed:
        return f"the proof depends on disallowed axioms: {', '.join(disallowed)}", axioms
    return None, axioms


def build_proof_source(*, header: str, statement: str, name: str, tactics: list[str]) -> str:
    """The complete file checked by ``coqc``: header, statement, tactics, ``Qed``.

    ``Print Assumptions`` is wrapped in ``Redirect`` so that its answer lands in
    ``assumptions.out``, where no tactic output (``idtac "..."``) can imitate it.
    """
    lines = [header.rstrip(), "", statement.strip(), "Proof."]
    lines.extend(t if t.endswith(".") else t + "." for t in (t.strip() for t in tactics))
    lines.append("Qed.")
    lines.append(f'Redirect "{ASSUMPTIONS_FILE_STEM}" Print Assumptions {name}.')
    return "\n".join(lines).lstrip("\n") + "\n"


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
