"""Read one theorem out of a source file (``--file F --theorem NAME``)."""

from __future__ import annotations

from pathlib import Path

from search.errors import InputError
from search.states import Theorem

__all__ = ["theorem_from_file"]


def theorem_from_file(path: Path, name: str, *, language: str) -> Theorem:
    """Theorem ``name`` of ``path``: the header is what precedes it; its own proof is dropped."""
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start : exc.start + 1]
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}: {byte!r})") from exc
    if language == "coq":
        from prover.backends.coq.text import coq_theorem_from_source

        return coq_theorem_from_source(source, name, origin=str(path))
    from prover.backends.lean.text import lean_theorem_from_source

    return lean_theorem_from_source(source, name, origin=str(path))
