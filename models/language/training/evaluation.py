"""Offline metrics of a saved model: top-k exact-match tactic accuracy on held-out states.

Candidates come from the saved directory through the prover's own ``hf`` generator
(:class:`models.language.hf.HfGenerator`): ``eval_samples`` sampled completions per
state, cut to one tactic by the ``reprover`` template, deduplicated and ranked by mean
token log-probability, exactly as ``prove --generator hf`` ranks them. The accuracy is
:func:`models.language.tactic_accuracy.top_k_accuracy`. The most-frequent-tactics
baseline proposes the training split's most common tactics for every state.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.language.completions import SamplingSettings
from models.language.prompts import get_template
from models.language.tactic_accuracy import top_k_accuracy
from models.language.training.batches import TEMPLATE
from models.language.training.examples import TacticExample
from search.protocols import GenerationRequest
from search.states import ProofState, Theorem, normalize_text

__all__ = ["TOP_K", "evaluate_model", "most_frequent_baseline", "sample_examples"]

TOP_K = (1, 10)
_PLACEHOLDER = Theorem(name="heldout", header="", statement="Theorem heldout : True.")


def sample_examples(
    examples: Sequence[TacticExample], count: int, *, seed: int
) -> list[TacticExample]:
    """``count`` examples chosen by a sha256 ranking of (seed, state, tactic): stable."""

    def rank(example: TacticExample) -> bytes:
        text = f"{seed}\x00{example.state}\x00{example.tactic}"
        return hashlib.sha256(text.encode("utf-8")).digest()

    return sorted(examples, key=rank)[:count]


def evaluate_model(
    model_dir: Path,
    examples: Sequence[TacticExample],
    *,
    samples: int,
    temperature: float,
    max_tokens: int,
    seed: int,
) -> dict[str, Any]:
    """Top-k accuracy of the model in ``model_dir`` on ``examples``, with its speed."""
    from models.language.hf import HfGenerator

    generator = HfGenerator(
        model=str(model_dir),
        template=get_template(TEMPLATE),
        language="coq",
        sampling=SamplingSettings(
            num_samples=samples, temperature=temperature, max_tokens=max_tokens
        ),
    )
    requests = [
        GenerationRequest(
            theorem=_PLACEHOLDER,
            state=ProofState(goals=(), handle=index, text=example.state),
            proof_so_far=(),
            num_candidates=samples,
            seed=seed + index,
        )
        for index, example in enumerate(examples)
    ]
    started = time.monotonic()
    candidates = generator.generate(requests) if requests else []
    seconds = time.monotonic() - started
    predictions = [[c.tactic for c in group] for group in candidates]
    accuracy = top_k_accuracy(predictions, [e.tactic for e in examples], TOP_K)
    produced = sum(len(group) for group in candidates)
    return {
        **{f"top{k}": value for k, value in accuracy.items()},
        "examples": len(examples),
        "samples_per_state": samples,
        "temperature": temperature,
        "mean_distinct_candidates": produced / len(examples) if examples else 0.0,
        "generation_s": round(seconds, 2),
        "hf_states_per_s": round(len(examples) / seconds, 3) if seconds > 0 else None,
    }


def most_frequent_baseline(
    train: Sequence[TacticExample], examples: Sequence[TacticExample]
) -> dict[str, Any]:
    """Top-k accuracy of always proposing the ``max(TOP_K)`` most frequent training tactics."""
    counts = Counter(normalize_text(e.tactic) for e in train)
    common = [tactic for tactic, _ in counts.most_common(max(TOP_K))]
    accuracy = top_k_accuracy([common] * len(examples), [e.tactic for e in examples], TOP_K)
    return {
        **{f"top{k}": value for k, value in accuracy.items()},
        "examples": len(examples),
        "tactics": common,
    }
