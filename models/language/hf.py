"""Tactic generation with transformers on the CPU, for small local models.

Sampling uses ``num_return_sequences`` (one ``generate`` call per group of prompts, with
left padding); ``beam_search=True`` switches to beam search with as many beams as
samples. Scores are the model's raw token log-probabilities of the generated tokens
(log-softmax of the unprocessed logits for sampling, ``compute_transition_scores`` with
the beam indices for beam search), averaged or summed like the other backends.

Generation stops at the search's deadline (transformers' ``max_time``); the samples of
a call cut that way are dropped, since a completion stopped mid-tactic is no tactic.
A prompt longer than the model's context (less the completion's ``max_tokens``) loses its
beginning, as in training: the goal and the marker that ends the prompt are kept, and a
huge state costs one bounded forward pass instead of positions the model never learned.

torch and transformers are imported lazily, in the constructor.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from models.language.completions import (
    Sample,
    SamplingSettings,
    candidates_from_samples,
    combined_seed,
    seconds_left,
)
from models.language.local_model import require_local_model_dir
from models.language.prompts import PromptTemplate
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest
from search.states import Candidate

__all__ = ["HfGenerator"]


class HfGenerator:
    """Tactic generator running a local causal language model with transformers."""

    def __init__(
        self,
        *,
        model: str,
        template: PromptTemplate,
        language: str,
        sampling: SamplingSettings | None = None,
        beam_search: bool = False,
        prompts_per_batch: int = 8,
    ) -> None:
        if isinstance(prompts_per_batch, bool) or prompts_per_batch < 1:
            raise ConfigError(
                f"prompts_per_batch must be a positive integer, got {prompts_per_batch!r}"
            )
        path = require_local_model_dir(model)
        self.template = template
        self.language = language
        self.sampling = sampling if sampling is not None else SamplingSettings()
        self.beam_search = beam_search
        self.prompts_per_batch = prompts_per_batch
        try:
            torch = importlib.import_module("torch")
            transformers = importlib.import_module("transformers")
        except ImportError as exc:
            raise GeneratorError(
                "the hf generator needs torch and transformers:"
                " pip install torch==2.13.0 transformers accelerate"
            ) from exc
        self._torch: Any = torch
        try:
            self._tokenizer: Any = transformers.AutoTokenizer.from_pretrained(str(path))
            self._model: Any = transformers.AutoModelForCausalLM.from_pretrained(
                str(path), dtype=torch.float32
            )
        except (OSError, ValueError) as exc:
            raise GeneratorError(f"transformers could not load model {path}: {exc}") from exc
        self._model.eval()
        self._prompt_token_limit = _prompt_token_limit(
            self._model.config, self._tokenizer, self.sampling.max_tokens
        )
        self._tokenizer.padding_side = "left"
        self._tokenizer.truncation_side = "left"
        if self._tokenizer.pad_token_id is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """Candidates for every request, best first; prompts are batched per sample count."""
        results: list[list[Candidate]] = [[] for _ in requests]
        groups: dict[int, list[int]] = {}
        for position, request in enumerate(requests):
            groups.setdefault(self.sampling.samples_for(request.num_candidates), []).append(
                position
            )
        for count, positions in groups.items():
            for start in range(0, len(positions), self.prompts_per_batch):
                chunk = positions[start : start + self.prompts_per_batch]
                samples = self._sample_before_deadline([requests[i] for i in chunk], count)
                for offset, position in enumerate(chunk):
                    results[position] = candidates_from_samples(
                        samples[offset * count : (offset + 1) * count],
                        template=self.template,
                        score=self.sampling.score,
                        limit=requests[position].num_candidates,
                    )
        return results

    def _sample_before_deadline(self, batch: list[GenerationRequest], count: int) -> list[Sample]:
        """The batch's samples, or none when the deadline passes before or while sampling."""
        time_left_s = seconds_left(batch)
        if time_left_s is None:
            return self._sample(batch, count, max_time_s=None)
        if time_left_s <= 0:
            return []
        samples = self._sample(batch, count, max_time_s=time_left_s)
        still_left_s = seconds_left(batch)
        return samples if still_left_s is not None and still_left_s > 0 else []

    def encode_prompts(self, prompts: list[str]) -> Any:
        """The batch's token tensors, each prompt cut on the left to the context's limit."""
        return self._tokenizer(
            prompts,
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self._prompt_token_limit,
        )

    def _generation_arguments(self, count: int, max_time_s: float | None) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "max_new_tokens": self.sampling.max_tokens,
            "num_return_sequences": count,
            "return_dict_in_generate": True,
            "stop_strings": list(self.template.stop),
            "tokenizer": self._tokenizer,
            "pad_token_id": self._tokenizer.pad_token_id,
        }
        if max_time_s is not None:
            arguments["max_time"] = max_time_s
        if self.beam_search:
            arguments.update(num_beams=count, do_sample=False, output_scores=True)
        elif self.sampling.temperature == 0:
            arguments.update(do_sample=False, output_logits=True)
        else:
            arguments.update(
                do_sample=True,
                temperature=self.sampling.temperature,
                top_p=self.sampling.top_p,
                top_k=0,
                output_logits=True,
            )
        return arguments

    def _sample(
        self, batch: list[GenerationRequest], count: int, *, max_time_s: float | None
    ) -> list[Sample]:
        torch = self._torch
        prompts = [self.template.render(r, language=self.language) for r in batch]
        encoded = self.encode_prompts(prompts)
        torch.manual_seed(combined_seed([r.seed for r in batch]))
        try:
            with torch.no_grad():
                arguments = self._generation_arguments(count, max_time_s)
                output = self._model.generate(**encoded, **arguments)
        except (RuntimeError, ValueError) as exc:
            raise GeneratorError(f"transformers generation failed: {exc}") from exc
        generated = output.sequences[:, encoded["input_ids"].shape[1] :]
        logprobs = self._token_logprobs(output, generated)
        return [
            self._sample_of_row(generated[row].tolist(), logprobs[row].tolist())
            for row in range(generated.shape[0])
        ]

    def _token_logprobs(self, output: Any, generated: Any) -> Any:
        torch = self._torch
        if self.beam_search:
            return self._model.compute_transition_scores(
                output.sequences, output.scores, output.beam_indices, normalize_logits=False
            )
        steps = torch.stack(output.logits, dim=1).float().log_softmax(dim=-1)
        return steps.gather(-1, generated[:, : steps.shape[1], None]).squeeze(-1)

    def _sample_of_row(self, token_ids: list[int], logprobs: list[float]) -> Sample:
        stops = {self._tokenizer.eos_token_id, self._tokenizer.pad_token_id}
        length = next((i for i, t in enumerate(token_ids) if t in stops), len(token_ids))
        ended = length < len(token_ids)
        kept = token_ids[:length]
        text = self._tokenizer.decode(kept, skip_special_tokens=True)
        pieces = tuple(self._tokenizer.decode([t], skip_special_tokens=True) for t in kept)
        hit_stop = any(stop in text for stop in self.template.stop)
        reason = "stop" if ended or hit_stop or length < self.sampling.max_tokens else "length"
        return Sample(
            text=text,
            finish_reason=reason,
            token_logprobs=tuple(float(v) for v in logprobs[:length]),
            token_texts=pieces if "".join(pieces) == text else (),
        )


def _prompt_token_limit(model_config: Any, tokenizer: Any, max_tokens: int) -> int:
    """Prompt tokens that leave room for ``max_tokens`` in the model's context.

    The context is the model's ``max_position_embeddings``, else the tokenizer's
    ``model_max_length`` (transformers puts a huge sentinel there when it is unknown).
    """
    context = getattr(model_config, "max_position_embeddings", None)
    if not isinstance(context, int) or context < 1:
        context = getattr(tokenizer, "model_max_length", None)
    if not isinstance(context, int) or not 1 <= context < 1_000_000:
        raise ConfigError("the hf generator's model declares no context length")
    limit = context - max_tokens
    if limit < 1:
        raise ConfigError(
            f"max_tokens ({max_tokens}) leaves no room for a prompt in the model's"
            f" {context}-token context"
        )
    return limit
