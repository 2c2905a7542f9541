"""Helpers for the red-team headers that attack the split check: the byte ranges it expects.

A header that fakes coqc's ``-time`` lines must know the ranges the check will expect for
its own sentences. They depend on the checked file the verifier builds and on the nonce's
length, not its value, so the attacks compute them with a fixed nonce, as the red-team
rounds did.
"""

from __future__ import annotations

from unittest import mock

import pytest

import prover.backends.coq.proof_source as proof_source_module
import prover.backends.coq.split_check as split_module
from prover.backends.coq.blocks import closable
from prover.backends.coq.split_check import MarkedSource, mark_sentences
from prover.backends.coq.term_reading import inspected_ending

__all__ = ["expected_ranges", "switch_off_the_assumptions_print"]


def expected_ranges(
    header: str, statement: str, proof: list[str], starting: bytes, holding: bytes = b""
) -> list[tuple[int, int]]:
    """The byte ranges the split check expects for the sentences (not markers) of the file
    verify_proof builds that start with ``starting`` and hold ``holding`` (the refusals
    before coqc switched off, as the attacks need to get past them)."""
    text = proof_source_module.assembled_source(
        closable(header),
        header=header,
        statement=statement,
        tactics=proof,
        ending=inspected_ending("t", ()),
        placed=proof_source_module._placed(
            header, "ProverCheckPlaced_" + "0" * 16, proof_source_module.CHECKED_LIBRARY
        ),
    )
    with mock.patch.object(split_module, "sentences_refusal", lambda *_args, **_kwargs: None):
        marked = mark_sentences(text, "0" * 16)
    assert isinstance(marked, MarkedSource), marked
    data = marked.text.encode("utf-8")
    return [
        (line.start, line.end)
        for line in marked.expected
        if line.marker is None
        and data[line.start : line.end].startswith(starting)
        and holding in data[line.start : line.end]
    ]


def switch_off_the_assumptions_print(monkeypatch: pytest.MonkeyPatch) -> None:
    """Print the assumptions of `nat` instead of the theorem's by full name (which also
    fails when the theorem is not where the reading puts it), to test the other checks."""
    monkeypatch.setattr(
        proof_source_module,
        "_assumptions",
        lambda _header, _name, _marker, _library: [
            'Redirect "VerifyAssumptions" Print Assumptions nat.'
        ],
    )
