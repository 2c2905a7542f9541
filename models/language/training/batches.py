"""Training sequences: ``prompt + tactic + </s>``, loss on the tactic part only.

The prompt is exactly what the prover sends (the ``reprover`` template rendered through
:mod:`models.language.prompts`), tokenized on its own, and the tactic is tokenized on its
own after it: the ids the model learns to continue are the ids vLLM and transformers give
the served prompt. A prompt too long for ``max_length`` loses its *beginning*, so the end
of the state and the ``[PROOFSTEP]`` marker are always seen. Batches group examples of
similar length (less padding on the CPU) and come in a seeded order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models.language.prompts import get_template
from models.language.training.examples import TacticExample
from search.protocols import GenerationRequest
from search.states import ProofState, Theorem

__all__ = ["IGNORE_INDEX", "EncodedBatch", "batch_order", "encode_batch", "render_prompt"]

IGNORE_INDEX = -100
TEMPLATE = "reprover"
_PLACEHOLDER = Theorem(name="trace", header="", statement="Theorem trace : True.")
#: Batches sorted by length inside windows of this many batches, then shuffled.
_SORT_WINDOW = 50


def render_prompt(state: str) -> str:
    """The prompt the prover renders for a state with this text (``reprover`` template)."""
    request = GenerationRequest(
        theorem=_PLACEHOLDER,
        state=ProofState(goals=(), handle=None, text=state),
        proof_so_far=(),
        num_candidates=1,
        seed=0,
    )
    return get_template(TEMPLATE).render(request, language="coq")


@dataclass(frozen=True, kw_only=True)
class EncodedBatch:
    """Tensors for one step, and how many target tokens they hold."""

    input_ids: Any
    attention_mask: Any
    labels: Any
    target_tokens: int
    dropped: int


def batch_order(
    examples: Sequence[TacticExample], *, batch_size: int, seed: int
) -> list[list[int]]:
    """Index batches covering ``examples`` once: similar lengths together, seeded order."""
    indices = list(range(len(examples)))
    shuffler = random.Random(seed)
    shuffler.shuffle(indices)
    window = batch_size * _SORT_WINDOW
    batches: list[list[int]] = []
    for start in range(0, len(indices), window):
        chunk = sorted(
            indices[start : start + window],
            key=lambda i: len(examples[i].state) + len(examples[i].tactic),
        )
        batches.extend(chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size))
    shuffler.shuffle(batches)
    return batches


def encode_batch(
    tokenizer: Any,
    examples: Sequence[TacticExample],
    *,
    max_length: int,
    max_tactic_tokens: int,
) -> EncodedBatch | None:
    """Right-padded ids, mask and labels; None when every example's tactic is too long."""
    import torch

    # Left truncation at tokenization already (the kept part is cut again below, per tactic).
    prompts = tokenizer(
        [render_prompt(e.state) for e in examples], truncation=True, max_length=max_length
    )["input_ids"]
    # No special tokens inside the sequence (a pretrained tokenizer may prepend its BOS).
    tactics = tokenizer([e.tactic for e in examples], add_special_tokens=False)["input_ids"]
    rows: list[tuple[list[int], int]] = []
    dropped = 0
    for prompt, tactic in zip(prompts, tactics, strict=True):
        target = [*tactic, tokenizer.eos_token_id]
        if not tactic or len(target) > max_tactic_tokens:
            dropped += 1
            continue
        kept_prompt = prompt[-(max_length - len(target)) :]
        rows.append(([*kept_prompt, *target], len(kept_prompt)))
    if not rows:
        return None
    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for row, (ids, prompt_length) in enumerate(rows):
        values = torch.tensor(ids, dtype=torch.long)
        input_ids[row, : len(ids)] = values
        mask[row, : len(ids)] = 1
        labels[row, prompt_length : len(ids)] = values[prompt_length:]
    return EncodedBatch(
        input_ids=input_ids,
        attention_mask=mask,
        labels=labels,
        target_tokens=int((labels != IGNORE_INDEX).sum()),
        dropped=dropped,
    )
