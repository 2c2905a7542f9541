"""In-process vLLM engine (``LLM.generate``) as a tactic generator.

All requests of one :meth:`VllmGenerator.generate` call go to the engine in one
``LLM.generate`` call, each with its own ``SamplingParams`` (its ``n`` and its ``seed``),
so the engine batches the whole frontier. ``logprobs=0`` makes vLLM report the sampled
tokens' log-probabilities (without it ``cumulative_logprob`` is ``None`` in the V1 engine).

vLLM is imported lazily, in the constructor. On a CPU-only machine it runs from the
separate ``.venv-vllm`` venv built by ``scripts/setup_vllm.sh``; guard scripts that use
it with ``if __name__ == "__main__":`` because the engine starts a worker process.

``LLM.generate`` cannot be interrupted, so the search's deadline only skips a call that
would start after it; ``--generator openai`` against ``vllm serve`` is cut mid-request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from models.language.completions import (
    Sample,
    SamplingSettings,
    candidates_from_samples,
    seconds_left,
)
from models.language.local_model import require_local_model_dir
from models.language.prompts import PromptTemplate
from models.language.vllm_server import SERVED_DTYPE
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest
from search.states import Candidate

__all__ = ["VllmGenerator", "sample_of_vllm_output"]


def sample_of_vllm_output(output: Any) -> Sample:
    """A :class:`Sample` from a vLLM ``CompletionOutput`` (cumulative_logprob may be None)."""
    token_ids = list(getattr(output, "token_ids", ()) or ())
    per_token = _sampled_logprobs(output, token_ids)
    if per_token is None:
        cumulative = getattr(output, "cumulative_logprob", None)
        if cumulative is None or not token_ids:
            per_token = ()
        else:
            # Spread the total evenly: the mean and the sum both come out right.
            per_token = tuple([float(cumulative) / len(token_ids)] * len(token_ids))
        texts: tuple[str, ...] = ()
    else:
        texts = _token_texts(output, token_ids)
    finish = getattr(output, "finish_reason", None)
    return Sample(
        text=str(output.text),
        finish_reason=str(finish) if finish is not None else None,
        token_logprobs=per_token,
        token_texts=texts,
    )


def _sampled_logprobs(output: Any, token_ids: list[int]) -> tuple[float, ...] | None:
    positions = getattr(output, "logprobs", None)
    if not positions or len(positions) != len(token_ids):
        return None
    values = []
    for token_id, entry in zip(token_ids, positions, strict=True):
        chosen = entry.get(token_id) if isinstance(entry, dict) else None
        if chosen is None or not math.isfinite(float(chosen.logprob)):
            return None
        values.append(float(chosen.logprob))
    return tuple(values)


def _token_texts(output: Any, token_ids: list[int]) -> tuple[str, ...]:
    texts = []
    for token_id, entry in zip(token_ids, output.logprobs, strict=True):
        decoded = getattr(entry[token_id], "decoded_token", None)
        if decoded is None:
            return ()
        texts.append(str(decoded))
    return tuple(texts) if "".join(texts) == output.text else ()


class VllmGenerator:
    """Tactic generator running a local model in an in-process vLLM engine."""

    def __init__(
        self,
        *,
        model: str,
        template: PromptTemplate,
        language: str,
        sampling: SamplingSettings | None = None,
        dtype: str = SERVED_DTYPE,
        max_model_len: int = 2048,
    ) -> None:
        path = require_local_model_dir(model)
        self.template = template
        self.language = language
        self.sampling = sampling if sampling is not None else SamplingSettings()
        self._prompt_limit = max_model_len - self.sampling.max_tokens
        if self._prompt_limit < 1:
            raise ConfigError(
                f"max_tokens ({self.sampling.max_tokens}) leaves no room for a prompt in the"
                f" {max_model_len}-token context (max_model_len)"
            )
        try:
            import vllm
        except ImportError as exc:
            raise GeneratorError(
                "the vllm generator needs the vllm package (on CPU: run"
                " scripts/setup_vllm.sh and use .venv-vllm/bin/python)"
            ) from exc
        self._vllm: Any = vllm
        try:
            self._engine: Any = vllm.LLM(
                model=str(path),
                dtype=dtype,
                max_model_len=max_model_len,
                enable_prefix_caching=True,
                enforce_eager=True,
            )
        except Exception as exc:  # vLLM raises many unrelated types while loading
            raise GeneratorError(f"vLLM could not load model {path}: {exc}") from exc

    def _params(self, request: GenerationRequest) -> Any:
        return self._vllm.SamplingParams(
            n=self.sampling.samples_for(request.num_candidates),
            temperature=self.sampling.temperature,
            top_p=self.sampling.top_p,
            max_tokens=self.sampling.max_tokens,
            stop=list(self.template.stop),
            logprobs=0,
            seed=request.seed,
        )

    def _prompt(self, request: GenerationRequest) -> dict[str, list[int]]:
        """The rendered prompt's token ids, cut on the left to fit the context with ``max_tokens``.

        vLLM refuses a longer prompt outright; keeping its end keeps the goal, and it is
        how ``prover train-generator --kind lm`` truncates its training prompts. Ids, not
        text, so that the engine does not tokenize each prompt a second time.
        """
        text = self.template.render(request, language=self.language)
        token_ids: list[int] = self._engine.get_tokenizer().encode(text)
        return {"prompt_token_ids": token_ids[-self._prompt_limit :]}

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """Candidates for every request, best first, from one batched engine call."""
        time_left_s = seconds_left(requests)
        if time_left_s is not None and time_left_s <= 0:
            return [[] for _ in requests]  # the search's deadline has passed
        if not requests:
            return []
        prompts = [self._prompt(r) for r in requests]
        params = [self._params(r) for r in requests]
        try:
            outputs = self._engine.generate(prompts, params, use_tqdm=False)
        except Exception as exc:  # engine failures surface as many types
            raise GeneratorError(f"vLLM generation failed: {exc}") from exc
        if len(outputs) != len(requests):
            raise GeneratorError(f"vLLM returned {len(outputs)} outputs for {len(requests)}")
        return [
            candidates_from_samples(
                (sample_of_vllm_output(o) for o in output.outputs),
                template=self.template,
                score=self.sampling.score,
                limit=request.num_candidates,
            )
            for request, output in zip(requests, outputs, strict=True)
        ]
