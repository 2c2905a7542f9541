"""Fast sampling of many completions of one prompt, for the offline evaluation.

The prover's ``hf`` generator asks transformers' ``generate`` for ``n`` return sequences,
which copies the prompt ``n`` times *before* the first forward pass: with a 100-token
state and a 10-token tactic, 90 % of the work is the same prompt computed ``n`` times.
This sampler runs the prompt once, repeats its key/value cache ``n`` times, then decodes
all rows in lockstep (same length, so no padding and no mask), dropping rows as they end.

It draws from the same distribution as the prover's generators (temperature, no top-k or
top-p cut, stop at ``</s>`` or at a token holding a newline) and scores the same way
(raw log-probabilities of the sampled tokens), so it returns
:class:`~models.language.completions.Sample` values that
:func:`~models.language.completions.candidates_from_samples` turns into the candidates
the search would see.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from models.language.completions import Sample

__all__ = ["PromptSampler"]


@dataclass
class _Draft:
    """One completion being sampled: its tokens, their log-probabilities, whether it ended."""

    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    ended: bool = False


class PromptSampler:
    """Samples completions of single prompts from a causal LM with a KV cache."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.eos = tokenizer.eos_token_id
        vocabulary = range(len(tokenizer))
        self.newline_ids = {i for i in vocabulary if "\n" in tokenizer.decode([i])}
        # transformers renamed the forward argument ``past_key_values`` to ``cache`` (5.2x).
        parameters = inspect.signature(model.forward).parameters
        self.cache_name = "cache" if "cache" in parameters else "past_key_values"

    def sample(
        self, prompt: str, *, samples: int, temperature: float, max_tokens: int, seed: int
    ) -> list[Sample]:
        """``samples`` completions of ``prompt`` (each at most ``max_tokens`` tokens)."""
        import torch
        from transformers import DynamicCache

        generator = torch.Generator().manual_seed(seed)
        prompt_ids = torch.tensor([self.tokenizer(prompt)["input_ids"]])
        drafts = [_Draft() for _ in range(samples)]
        cache = DynamicCache(config=self.model.config)
        with torch.no_grad():
            output = self.model(input_ids=prompt_ids, use_cache=True, **{self.cache_name: cache})
            cache.batch_repeat_interleave(samples)
            logits = output.logits[:, -1, :].float().repeat(samples, 1)
            active = list(range(samples))
            for _ in range(max_tokens):
                scores = torch.log_softmax(logits, dim=-1)
                probabilities = torch.softmax(logits / temperature, dim=-1)
                chosen = torch.multinomial(probabilities, 1, generator=generator).squeeze(1)
                chosen_scores = scores.gather(1, chosen[:, None]).squeeze(1).tolist()
                keep = self._record([drafts[i] for i in active], chosen.tolist(), chosen_scores)
                if not keep:
                    break
                if len(keep) < len(active):
                    cache.batch_select_indices(torch.tensor(keep))
                    chosen = chosen[keep]
                active = [active[row] for row in keep]
                output = self.model(
                    input_ids=chosen[:, None], use_cache=True, **{self.cache_name: cache}
                )
                logits = output.logits[:, -1, :].float()
        return [self._sample(draft) for draft in drafts]

    def _record(self, drafts: list[_Draft], chosen: list[int], scores: list[float]) -> list[int]:
        """Append each row's sampled token; return the rows that go on."""
        keep = []
        for row, (draft, token, score) in enumerate(zip(drafts, chosen, scores, strict=True)):
            if token == self.eos:
                draft.ended = True
                continue
            draft.tokens.append(token)
            draft.logprobs.append(score)
            if token in self.newline_ids:
                draft.ended = True
                continue
            keep.append(row)
        return keep

    def _sample(self, draft: _Draft) -> Sample:
        text = self.tokenizer.decode(draft.tokens, skip_special_tokens=True)
        pieces = tuple(self.tokenizer.decode([t], skip_special_tokens=True) for t in draft.tokens)
        return Sample(
            text=text,
            finish_reason="stop" if draft.ended else "length",
            token_logprobs=tuple(draft.logprobs),
            token_texts=pieces if "".join(pieces) == text else (),
        )
