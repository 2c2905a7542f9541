"""Client of an OpenAI-compatible ``/v1/completions`` endpoint (e.g. ``vllm serve``).

Batch-first: the states of one :meth:`OpenAIGenerator.generate` call are grouped into
requests of up to ``prompts_per_request`` prompts (``prompt`` as a list), and those
requests run concurrently, at most ``max_concurrent_requests`` at a time. Choices are
mapped back by their ``index``, which vLLM sets to ``prompt_index * n + sample``.

Each request asks for ``logprobs=0`` (the sampled tokens' log-probabilities only), so
every candidate is scored. Connection errors, timeouts and 5xx answers are retried with
exponential backoff; other failures raise :class:`~search.errors.GeneratorError`.

A request never waits past the search's deadline (:attr:`GenerationRequest.deadline`):
the socket timeout is the smaller of ``request_timeout_s`` and the time left, and a
batch whose deadline passes (while waiting, or before a retry) gets no candidates, not
an error. vLLM's server aborts a completion whose client has gone, so the cut also
frees the server for the next request.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from models.language.completions import (
    Sample,
    SamplingSettings,
    candidates_from_samples,
    combined_seed,
    seconds_left,
)
from models.language.prompts import PromptTemplate
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest
from search.states import Candidate
from search.validation import require_non_negative, require_positive

__all__ = ["HttpSettings", "OpenAIGenerator", "parse_completion_response"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class HttpSettings:
    """Transport knobs: timeouts, retries, batching, concurrency, and whether to send the seed."""

    request_timeout_s: float = 300.0
    max_retries: int = 3
    retry_backoff_s: float = 1.0
    max_concurrent_requests: int = 4
    prompts_per_request: int = 16
    request_seed: bool = True

    def __post_init__(self) -> None:
        require_positive("request_timeout_s", self.request_timeout_s)
        require_non_negative("retry_backoff_s", self.retry_backoff_s)
        for name in ("max_concurrent_requests", "prompts_per_request"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.max_retries, bool) or self.max_retries < 0:
            raise ConfigError(
                f"max_retries must be a non-negative integer, got {self.max_retries!r}"
            )


class _Retryable(Exception):
    """A failure worth another attempt (connection error, timeout, 5xx)."""


class _DeadlinePassed(Exception):
    """The search's deadline passed: its answer would no longer be used."""


#: How a vLLM server's too-long answer names its context length.
_CONTEXT_LENGTH = re.compile(r"maximum context length is (\d+) tokens")


class _PromptTooLong(GeneratorError):
    """A 400 answer saying a prompt exceeds the served model's context length."""


def parse_completion_response(
    payload: object, *, num_prompts: int, num_samples: int
) -> list[list[Sample]]:
    """Split a ``/v1/completions`` JSON answer into samples per prompt, by choice index."""
    if not isinstance(payload, dict) or not isinstance(payload.get("choices"), list):
        raise GeneratorError(f"completion answer has no 'choices' list: {str(payload)[:200]}")
    per_prompt: list[list[Sample]] = [[] for _ in range(num_prompts)]
    for choice in payload["choices"]:
        if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
            raise GeneratorError(f"completion choice without an integer index: {choice!r:.200}")
        prompt_index = choice["index"] // num_samples
        if not 0 <= prompt_index < num_prompts:
            raise GeneratorError(
                f"choice index {choice['index']} out of range for {num_prompts} prompt(s)"
                f" x n={num_samples}"
            )
        per_prompt[prompt_index].append(_sample_of_choice(choice))
    return per_prompt


def _sample_of_choice(choice: dict[str, Any]) -> Sample:
    text = choice.get("text")
    if not isinstance(text, str):
        raise GeneratorError(f"completion choice without text: {choice!r:.200}")
    logprobs = choice.get("logprobs")
    if not isinstance(logprobs, dict) or not isinstance(logprobs.get("token_logprobs"), list):
        raise GeneratorError(
            "completion choice carries no logprobs; the server must support 'logprobs'"
        )
    values = tuple(float(v) if v is not None else float("-inf") for v in logprobs["token_logprobs"])
    tokens = logprobs.get("tokens")
    texts = tuple(str(t) for t in tokens) if isinstance(tokens, list) else ()
    finish = choice.get("finish_reason")
    return Sample(
        text=text,
        finish_reason=finish if isinstance(finish, str) else None,
        token_logprobs=values,
        token_texts=texts,
    )


class OpenAIGenerator:
    """Tactic generator backed by an OpenAI-compatible completions server."""

    def __init__(
        self,
        *,
        api_base: str,
        model: str,
        template: PromptTemplate,
        language: str,
        sampling: SamplingSettings | None = None,
        http: HttpSettings | None = None,
    ) -> None:
        if not api_base.startswith(("http://", "https://")):
            raise ConfigError(f"api_base must be an http(s) URL, got {api_base!r}")
        if not model.strip():
            raise ConfigError(f"model must be a served model name, got {model!r}")
        base = api_base.rstrip("/")
        self.url = base + "/completions" if base.endswith("/v1") else base + "/v1/completions"
        self.model = model
        self.template = template
        self.language = language
        self.sampling = sampling if sampling is not None else SamplingSettings()
        self.http = http if http is not None else HttpSettings()
        self._prompt_limit: int | None = None
        self._truncation_refused = False

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """Candidates for every request, best first; GeneratorError if a request fails."""
        batches = self._batches(requests)
        workers = min(self.http.max_concurrent_requests, max(1, len(batches)))
        results: list[list[Candidate]] = [[] for _ in requests]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            answers = list(pool.map(self._run_batch, [[requests[i] for i in b] for b in batches]))
        for batch, answer in zip(batches, answers, strict=True):
            for position, candidates in zip(batch, answer, strict=True):
                results[position] = candidates
        return results

    def _batches(self, requests: Sequence[GenerationRequest]) -> list[list[int]]:
        """Request positions grouped by sample count, in chunks of ``prompts_per_request``."""
        by_count: dict[int, list[int]] = {}
        for position, request in enumerate(requests):
            count = self.sampling.samples_for(request.num_candidates)
            by_count.setdefault(count, []).append(position)
        size = self.http.prompts_per_request
        return [
            group[start : start + size]
            for group in by_count.values()
            for start in range(0, len(group), size)
        ]

    def _run_batch(self, batch: list[GenerationRequest]) -> list[list[Candidate]]:
        """The batch's candidates; a prompt over the served context gets none (one warning).

        Such a 400 answer names no prompt, so a batch of several is retried prompt by prompt.
        """
        samples = self.sampling.samples_for(batch[0].num_candidates)
        body = self._body(batch, samples)
        try:
            payload = self._post_with_retries(body, seconds_left(batch))
        except _DeadlinePassed as exc:
            logger.debug("no candidates for %d state(s): %s", len(batch), exc)
            return [[] for _ in batch]
        except _PromptTooLong as exc:
            if self._learn_prompt_limit(str(exc)):
                try:
                    return self._run_batch(batch)
                except GeneratorError as refused:  # not vLLM: no truncation parameter
                    logger.warning("prompt truncation refused, not asked again: %s", refused)
                    self._prompt_limit, self._truncation_refused = None, True
            if len(batch) > 1:
                return [
                    candidates for request in batch for candidates in self._run_batch([request])
                ]
            logger.warning("no candidates for one state: %s", exc)
            return [[]]
        per_prompt = parse_completion_response(payload, num_prompts=len(batch), num_samples=samples)
        return [
            candidates_from_samples(
                group,
                template=self.template,
                score=self.sampling.score,
                limit=request.num_candidates,
            )
            for request, group in zip(batch, per_prompt, strict=True)
        ]

    def _body(self, batch: list[GenerationRequest], samples: int) -> dict[str, Any]:
        prompts = [self.template.render(r, language=self.language) for r in batch]
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": prompts if len(prompts) > 1 else prompts[0],
            "n": samples,
            "temperature": self.sampling.temperature,
            "top_p": self.sampling.top_p,
            "max_tokens": self.sampling.max_tokens,
            "stop": list(self.template.stop),
            "logprobs": 0,
        }
        if self.http.request_seed:
            body["seed"] = combined_seed([r.seed for r in batch])
        if self._prompt_limit is not None:
            # vLLM's extension: keep the prompt's last tokens, as training truncates.
            body["truncate_prompt_tokens"] = self._prompt_limit
            body["truncation_side"] = "left"
        return body

    def _learn_prompt_limit(self, message: str) -> bool:
        """From a too-long answer, the prompt tokens to keep from now on; False if known or unread.

        A vLLM server names its context length in that answer; every later request then
        asks it to cut prompts on the left to that length less ``max_tokens``. A server
        that names no length, or too short a one, keeps the old behaviour (no candidates
        for that state).
        """
        found = _CONTEXT_LENGTH.search(message)
        if self._prompt_limit is not None or self._truncation_refused or found is None:
            return False
        keep = int(found.group(1)) - self.sampling.max_tokens
        if keep < 1:
            return False
        logger.info("prompts are cut on the left to %d tokens from now on: %s", keep, message)
        self._prompt_limit = keep
        return True

    def _post_with_retries(self, body: dict[str, Any], time_left_s: float | None) -> object:
        """The answer to ``body``; :class:`_DeadlinePassed` once ``time_left_s`` is spent."""
        deadline = None if time_left_s is None else time.monotonic() + time_left_s
        attempt = 0
        while True:
            timeout_s = self._timeout_before(deadline)
            try:
                return self._post(body, timeout_s)
            except _Retryable as exc:
                if attempt >= self.http.max_retries:
                    self._timeout_before(deadline)  # a deadline cut is not a failure
                    raise GeneratorError(
                        f"completion request to {self.url} failed after"
                        f" {attempt + 1} attempt(s): {exc}"
                    ) from exc
                backoff_s = self.http.retry_backoff_s * 2**attempt
                self._timeout_before(None if deadline is None else deadline - backoff_s)
                time.sleep(backoff_s)
                attempt += 1

    def _timeout_before(self, deadline: float | None) -> float:
        """The socket timeout ending by ``deadline``; :class:`_DeadlinePassed` if none is left."""
        if deadline is None:
            return self.http.request_timeout_s
        left = deadline - time.monotonic()
        if left <= 0:
            raise _DeadlinePassed(f"the search's deadline passed before {self.url} answered")
        return min(self.http.request_timeout_s, left)

    def _post(self, body: dict[str, Any], timeout_s: float) -> object:
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=data, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if exc.code >= 500:
                raise _Retryable(f"HTTP {exc.code}: {detail}") from exc
            if exc.code == 400 and "context length" in detail:
                raise _PromptTooLong(f"server {self.url} answered HTTP 400: {detail}") from exc
            if exc.code == 404:
                raise GeneratorError(
                    f"server {self.url} answered 404 for model {self.model!r} (is it the"
                    f" --served-model-name of the server?): {detail}"
                ) from exc
            raise GeneratorError(f"server {self.url} answered HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _Retryable(f"cannot reach {self.url}: {reason}") from exc
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise GeneratorError(
                f"server {self.url} answered with non-JSON text: {raw[:200]!r}"
            ) from exc


def _error_detail(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read().decode("utf-8", errors="replace")
    except OSError:
        return str(error.reason)
    finally:
        error.close()
    try:
        message = json.loads(text).get("error", {}).get("message")
    except (json.JSONDecodeError, AttributeError):
        message = None
    return str(message) if message else text[:300]
