"""Benchmark headers written for newer Coq libraries, loaded on Coq 8.16: documented mappings.

miniF2F-Coq targets Rocq 9 / Coq 8.20 and a newer Coquelicot than Debian's 3.2. Two
header-only mappings make its statements load here; the statement is never touched. They
are applied once, when the benchmark is loaded (:func:`prover.data.benchmarks.load_benchmark`),
so the header every check, coqtop and coqc read is the mapped one, and never to a user's
file (``prove --file``) or a request (``/search``): red-team round thirty-five made both say
something else through them (a module of the file's own named ``Stdlib`` remapped to the
standard library, a comment's ``Import`` starting a rewrite of the next sentence, a
notation the file declared in ``C_scope`` replaced by the insert's):

* Rocq 9 renamed the standard library's root from ``Coq`` to ``Stdlib``: in ``Require``
  sentences, ``From Stdlib`` becomes ``From Coq`` and ``Stdlib.X`` becomes ``Coq.X``.
* Coquelicot 3.2 has no power on complex numbers, which 11 statements write ``z ^ n``,
  and does not bind ``C_scope`` to ``C`` (one statement writes ``Cmod (a - b)`` for
  ``a b : C`` without opening ``C_scope``): right after the header requires Coquelicot,
  :data:`COQUELICOT_POWER` defines ``Cpow`` (``z ^ 0 = 1``, ``z ^ (S n) = z * z ^ n``)
  with ``^`` in ``C_scope`` and the exponent read in ``nat_scope``, and binds
  ``C_scope`` to ``C``; unless the header defines ``Cpow`` itself.
"""

from __future__ import annotations

import re

from prover.backends.coq.text import CoqTextError

__all__ = ["COQUELICOT_POWER", "add_coquelicot_power", "coq816_header", "map_rocq9_imports"]

COQUELICOT_POWER = (
    "\n(* prover: power on C for Coquelicot 3.2 (see prover/data/coq816_headers.py) *)\n"
    "Fixpoint Cpow (z : C) (n : nat) : C :=\n"
    "  match n with O => RtoC Coq.Reals.Rdefinitions.R1 | S m => Cmult z (Cpow z m) end.\n"
    "Arguments Cpow _%C _%nat.\n"
    'Infix "^" := Cpow : C_scope.\n'
    "Bind Scope C_scope with C.\n"
)

_REQUIRE = re.compile(r"(?:From\s+Stdlib\s+)?(?:Require|Import|Export)\b[^.]*(?:\.[^\s.][^.]*)*\.")
_FROM_STDLIB = re.compile(r"\bFrom\s+Stdlib\b")
_STDLIB_PATH = re.compile(r"(?<![\w.])Stdlib\.(?=\w)")
_REQUIRES_COQUELICOT = re.compile(r"^(?:From\s+Coquelicot\s+)?Require\b.*\bCoquelicot\b")


def _map_sentence(match: re.Match[str]) -> str:
    sentence = _FROM_STDLIB.sub("From Coq", match.group(0))
    return _STDLIB_PATH.sub("Coq.", sentence)


def map_rocq9_imports(header: str) -> str:
    """``header`` with Rocq 9 ``Stdlib`` imports mapped to Coq 8.16's ``Coq`` root."""
    if "Stdlib" not in header:
        return header
    return _REQUIRE.sub(_map_sentence, header)


def add_coquelicot_power(header: str) -> str:
    """``header`` with :data:`COQUELICOT_POWER` after its Coquelicot import (if any)."""
    if "Coquelicot" not in header or re.search(r"\bCpow\b", header):
        return header
    from prover.backends.coq.sentences import split_for_coqtop

    try:
        sentences = split_for_coqtop(header)
    except CoqTextError:
        return header  # loading the header will report the problem
    for sentence in sentences:
        if _REQUIRES_COQUELICOT.match(sentence.code):
            end = sentence.offset + len(sentence.text)
            return header[:end] + COQUELICOT_POWER + header[end:]
    return header


def coq816_header(header: str) -> str:
    """Both mappings: what Coq 8.16 loads for a header written for newer libraries."""
    return add_coquelicot_power(map_rocq9_imports(header))
