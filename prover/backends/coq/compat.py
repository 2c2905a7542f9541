"""Headers written for Rocq 9 on Coq 8.16: the documented import mapping.

Rocq 9 renamed the standard library's logical root from ``Coq`` to ``Stdlib``. A
header's ``From Stdlib Require ...`` and ``Require ... Stdlib.X`` are read as
``From Coq Require ...`` and ``Coq.X`` on Coq 8.16. Only ``Require`` sentences of the
header change; the statement itself is never touched.
"""

from __future__ import annotations

import re

__all__ = ["map_rocq9_imports"]

_REQUIRE = re.compile(r"(?:From\s+Stdlib\s+)?(?:Require|Import|Export)\b[^.]*(?:\.[^\s.][^.]*)*\.")
_FROM_STDLIB = re.compile(r"\bFrom\s+Stdlib\b")
_STDLIB_PATH = re.compile(r"(?<![\w.])Stdlib\.(?=\w)")


def _map_sentence(match: re.Match[str]) -> str:
    sentence = _FROM_STDLIB.sub("From Coq", match.group(0))
    return _STDLIB_PATH.sub("Coq.", sentence)


def map_rocq9_imports(header: str) -> str:
    """``header`` with Rocq 9 ``Stdlib`` imports mapped to Coq 8.16's ``Coq`` root."""
    if "Stdlib" not in header:
        return header
    return _REQUIRE.sub(_map_sentence, header)
