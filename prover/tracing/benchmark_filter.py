"""Keep benchmark statements out of training data: miniF2F-Coq statements, normalized.

A traced theorem whose statement (binders and type, without its keyword and name)
matches a miniF2F-Coq statement token for token is never turned into training rows,
whatever its name or whitespace.
"""

from __future__ import annotations

import functools
import json
import re

from prover.backends.coq.sentences import normalize_code, theorem_declaration
from prover.data.benchmarks import BENCHMARKS, data_directory

__all__ = ["benchmark_statement_keys", "statement_key"]

_TOKEN = re.compile(r"[\w']+|[^\w\s]")


def statement_key(body: str) -> str:
    """A whitespace- and comment-insensitive key of a statement body (binders and type)."""
    return " ".join(_TOKEN.findall(normalize_code(body)))


@functools.cache
def benchmark_statement_keys() -> frozenset[str]:
    """Keys of every miniF2F-Coq statement shipped with the prover (both splits)."""
    spec = BENCHMARKS["minif2f-coq"]
    keys: set[str] = set()
    for file_name in spec.files.values():
        path = data_directory() / file_name
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            declaration = theorem_declaration(normalize_code(json.loads(line)["formal_statement"]))
            if declaration is not None:
                keys.add(statement_key(declaration[1]))
    return frozenset(keys)
