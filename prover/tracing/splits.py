"""Train/valid/test by a stable hash of the file, never of a step or a theorem.

All proofs of one file land in the same split, so no test file's proof (nor its
neighbours, which often share lemmas and states) leaks into training.
"""

from __future__ import annotations

import hashlib

__all__ = ["SPLITS", "SPLIT_SHARES", "split_of"]

#: Split names and their share of files, in order.
SPLIT_SHARES = (("train", 0.90), ("valid", 0.05), ("test", 0.05))
SPLITS = tuple(name for name, _ in SPLIT_SHARES)


def split_of(library: str, file: str) -> str:
    """The split of ``file`` of ``library``: sha256 of both, mapped onto the shares."""
    digest = hashlib.sha256(f"{library}\x00{file}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for name, share in SPLIT_SHARES:
        cumulative += share
        if position < cumulative:
            return name
    return SPLIT_SHARES[-1][0]
