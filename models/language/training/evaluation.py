"""Offline metrics of a saved model: top-k exact-match tactic accuracy on held-out states.

Candidates are the ones the prover's generators would rank: ``eval_samples`` sampled
completions per state (:class:`~models.language.training.sampler.PromptSampler`, the same
distribution as the ``hf``/``vllm``/``openai`` generators, about five times faster than
``generate`` here), cut to one tactic by the ``reprover`` template, deduplicated and
ranked by mean token log-probability (:func:`~models.language.completions.candidates_from_samples`).
The model and tokenizer are loaded back from the saved directory, so the files are what
is measured. The metric is the one every learned generator shares,
:func:`models.evaluation_metrics.top_k_accuracy` (exact match after whitespace collapsing
and a final period dropped; the k best distinct candidates). The most-frequent-tactics
baseline proposes the training split's most common tactics for every state.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.evaluation_metrics import most_frequent_tactics, top_k_accuracy
from models.language.completions import candidates_from_samples
from models.language.prompts import get_template
from models.language.training.batches import TEMPLATE, render_prompt
from models.language.training.examples import TacticExample
from models.language.training.sampler import PromptSampler

__all__ = ["TOP_K", "evaluate_model", "most_frequent_baseline", "sample_examples"]

TOP_K = (1, 10)


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
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    model.eval()  # type: ignore[no-untyped-call]
    sampler = PromptSampler(model, tokenizer)
    template = get_template(TEMPLATE)
    started = time.monotonic()
    predictions: list[list[str]] = []
    produced = 0
    for index, example in enumerate(examples):
        drawn = sampler.sample(
            render_prompt(example.state),
            samples=samples,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed + index,
        )
        candidates = candidates_from_samples(drawn, template=template, score="mean")
        produced += len(candidates)
        predictions.append([c.tactic for c in candidates])
    seconds = time.monotonic() - started
    accuracy = top_k_accuracy(predictions, [e.tactic for e in examples], TOP_K)
    return {
        **accuracy,
        "examples": len(examples),
        "samples_per_state": samples,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "mean_distinct_candidates": produced / len(examples) if examples else 0.0,
        "generation_s": round(seconds, 2),
        "states_per_s": round(len(examples) / seconds, 3) if seconds > 0 else None,
    }


def most_frequent_baseline(
    train: Sequence[TacticExample], examples: Sequence[TacticExample]
) -> dict[str, Any]:
    """Top-k accuracy of always proposing the ``max(TOP_K)`` most frequent training tactics."""
    common = most_frequent_tactics((e.tactic for e in train), max(TOP_K))
    accuracy = top_k_accuracy([common] * len(examples), [e.tactic for e in examples], TOP_K)
    return {
        **accuracy,
        "examples": len(examples),
        "tactics": common,
    }
