"""Run the in-process vLLM generator on a few states and print the candidates as JSON.

Runs under the vLLM venv (the integration test calls it that way)::

    PYTHONPATH=. .venv-vllm/bin/python scripts/vllm_inprocess_check.py MODEL_DIR

Prints one JSON object: ``{"candidates": [[[tactic, score], ...], ...], "seconds": ...}``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence

from models.language.completions import SamplingSettings
from models.language.prompts import get_template
from models.language.vllm import VllmGenerator
from search.protocols import GenerationRequest
from search.states import Candidate, Goal, ProofState, Theorem

#: The last goal is some 5,000 tokens, beyond the 1,024-token context: it must be cut, not fail.
CONCLUSIONS = (
    "n + 0 = n",
    "a + b = b + a",
    "0 < x * x",
    " + ".join(f"x{i}" for i in range(1500)) + " = 0",
)


def _requests() -> list[GenerationRequest]:
    requests = []
    for index, conclusion in enumerate(CONCLUSIONS):
        statement = f"Theorem t{index} : {conclusion}."
        theorem = Theorem(name=f"t{index}", header="", statement=statement)
        state = ProofState(goals=(Goal(hypotheses=(), conclusion=conclusion),), handle=index)
        requests.append(
            GenerationRequest(
                theorem=theorem, state=state, proof_so_far=(), num_candidates=4, seed=5 + index
            )
        )
    return requests


#: Largest difference of a candidate's score between two identical calls still "the same".
SCORE_TOLERANCE = 0.05


def _score_difference(
    first: Sequence[Sequence[Candidate]], second: Sequence[Sequence[Candidate]]
) -> float:
    """Largest score difference between two calls' candidates; infinite if the tactics differ.

    The sampled tactics must repeat exactly. Their bfloat16 log-probabilities may not: the
    second call finds the prompts in the prefix cache, and a long prompt's scores then come
    out of another summation order (0.002 apart was seen in bfloat16), so scores get a
    tolerance.
    """
    tactics = [[candidate.tactic for candidate in group] for group in first]
    if tactics != [[candidate.tactic for candidate in group] for group in second]:
        return float("inf")
    pairs = zip((c for g in first for c in g), (c for g in second for c in g), strict=True)
    return max((abs(a.score - b.score) for a, b in pairs), default=0.0)


def main() -> int:
    """Build the generator on argv[1], generate twice, check determinism, print JSON."""
    generator = VllmGenerator(
        model=sys.argv[1],
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(temperature=1.0, max_tokens=24),
        # float32: in bfloat16 on a CPU with AMX, the second (prefix-cached) call sampled
        # other tactics for the same seeds (2026-12-03); float32 repeats them exactly.
        dtype="float32",
        max_model_len=1024,
    )
    started = time.monotonic()
    first = generator.generate(_requests())
    seconds = time.monotonic() - started
    second = generator.generate(_requests())
    score_difference = _score_difference(first, second)
    print(
        json.dumps(
            {
                "candidates": [[[c.tactic, c.score] for c in group] for group in first],
                "deterministic": score_difference <= SCORE_TOLERANCE,
                "score_difference": score_difference,
                "seconds": seconds,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
