"""The OpenAI-compatible client: parsing recorded vLLM answers, batching, retries, errors."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models.language.completions import SamplingSettings
from models.language.openai import HttpSettings, OpenAIGenerator, parse_completion_response
from models.language.prompts import get_template
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest

DATA = Path(__file__).resolve().parents[1] / "data"


_AUTO = {  # one scored "auto." completion
    "choices": [
        {
            "index": 0,
            "text": "auto.",
            "finish_reason": "stop",
            "logprobs": {"tokens": ["auto."], "token_logprobs": [-1.0]},
        }
    ]
}


def _recording(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / f"vllm_{name}.json").read_text())
    return loaded


def _generator(url: str, **http: Any) -> OpenAIGenerator:
    settings = HttpSettings(**{"retry_backoff_s": 0.01, "request_timeout_s": 10, **http})
    return OpenAIGenerator(
        api_base=url,
        model="smollm2",
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(num_samples=3),
        http=settings,
    )


def test_recorded_batch_maps_choices_by_index() -> None:
    """A recorded 3-prompt n=3 vLLM answer splits into 3 samples per prompt in index order."""
    response = _recording("batch_n3")["response"]
    per_prompt = parse_completion_response(response, num_prompts=3, num_samples=3)
    assert [len(samples) for samples in per_prompt] == [3, 3, 3]
    assert "a + b = b + a" in per_prompt[1][0].text
    first = response["choices"][0]
    assert per_prompt[0][0].token_logprobs[0] == pytest.approx(
        first["logprobs"]["token_logprobs"][0]
    )


def test_recorded_batch_shuffled_choices_still_map_by_index() -> None:
    """Choices arriving out of order are still assigned to their prompt by index."""
    response = _recording("batch_n3")["response"]
    shuffled = {**response, "choices": list(reversed(response["choices"]))}
    per_prompt = parse_completion_response(shuffled, num_prompts=3, num_samples=3)
    assert "a + b = b + a" in per_prompt[1][-1].text


def test_recorded_truncated_completion_is_dropped(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """finish_reason 'length' without a newline (recorded) yields no candidate."""
    recorded = _recording("single_truncated")
    assert {c["finish_reason"] for c in recorded["response"]["choices"]} == {"length"}
    stub = stub_server([(200, json.dumps(recorded["response"]).encode())])
    generator = _generator(stub.url)
    assert generator.generate([request_factory(0, num_candidates=2)]) == [[]]


def test_batch_is_one_request_and_scores_are_mean_logprobs(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """Three states go out as one list-prompt request; candidates carry mean log-probs."""
    response = _recording("batch_n3")["response"]
    stub = stub_server([(200, json.dumps(response).encode())])
    requests = [request_factory(i, num_candidates=3) for i in range(3)]
    results = _generator(stub.url).generate(requests)
    assert len(stub.received) == 1
    body = stub.received[0]
    assert isinstance(body["prompt"], list) and len(body["prompt"]) == 3
    assert body["n"] == 3 and body["logprobs"] == 0 and "\n" in body["stop"]
    choice = response["choices"][3]
    expected = sum(choice["logprobs"]["token_logprobs"]) / len(choice["logprobs"]["tokens"])
    assert results[1][0].tactic == choice["text"]
    assert results[1][0].score == pytest.approx(expected)
    kept = [c for c in response["choices"] if c["index"] < 3 and c["finish_reason"] == "stop"]
    assert len(results[0]) == len(kept)
    assert all(a.score >= b.score for a, b in zip(results[0], results[0][1:], strict=False))


def test_prompts_per_request_splits_batches(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """With prompts_per_request=1 every state is its own request, carrying its own seed."""
    answer = {
        "choices": [
            {
                "index": 0,
                "text": "lia.",
                "finish_reason": "stop",
                "logprobs": {"tokens": ["lia."], "token_logprobs": [-0.25]},
            }
        ]
    }
    stub = stub_server([(200, json.dumps(answer).encode())])
    generator = _generator(stub.url, prompts_per_request=1, max_concurrent_requests=2)
    requests = [request_factory(i, seed=100 + i) for i in range(3)]
    results = generator.generate(requests)
    assert len(stub.received) == 3
    assert sorted(body["seed"] for body in stub.received) == [100, 101, 102]
    assert all(isinstance(body["prompt"], str) for body in stub.received)
    assert [r[0].tactic for r in results] == ["lia."] * 3


def test_duplicates_merge_keeping_max_score(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """Two whitespace variants of one tactic become one candidate with the higher score."""
    choices = [
        {
            "index": 0,
            "text": "lia.",
            "finish_reason": "stop",
            "logprobs": {"tokens": ["lia."], "token_logprobs": [-2.0]},
        },
        {
            "index": 1,
            "text": " lia. ",
            "finish_reason": "stop",
            "logprobs": {"tokens": [" lia. "], "token_logprobs": [-0.5]},
        },
        {
            "index": 2,
            "text": "",
            "finish_reason": "stop",
            "logprobs": {"tokens": [], "token_logprobs": []},
        },
    ]
    stub = stub_server([(200, json.dumps({"choices": choices}).encode())])
    [result] = _generator(stub.url).generate([request_factory(0)])
    assert [(c.tactic, c.score) for c in result] == [("lia.", -0.5)]


def test_retries_after_server_error(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A 500 answer is retried and the following 200 answer is used."""
    boom = b'{"error": {"message": "boom"}}'
    stub = stub_server([(500, boom), (200, json.dumps(_AUTO).encode())])
    [result] = _generator(stub.url).generate([request_factory(0)])
    assert len(stub.received) == 2
    assert result[0].tactic == "auto."


def test_persistent_server_error_raises_after_retries(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """Only 5xx answers give GeneratorError after 1 + max_retries attempts."""
    stub = stub_server([(503, b'{"error": {"message": "overloaded"}}')])
    with pytest.raises(GeneratorError, match=r"3 attempt.*overloaded"):
        _generator(stub.url, max_retries=2).generate([request_factory(0)])
    assert len(stub.received) == 3


def test_slow_answer_is_cut_at_the_deadline_with_no_candidates(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A server slower than the search's deadline gives no candidates (no error) at the deadline."""
    stub = stub_server([(200, json.dumps(_AUTO).encode())], delay_s=30.0)
    started = time.monotonic()
    request = request_factory(0, deadline=started + 0.5)
    assert _generator(stub.url).generate([request]) == [[]]
    assert 0.4 <= time.monotonic() - started < 3.0
    assert len(stub.received) == 1


def test_answer_before_the_deadline_is_used(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A server that answers before the deadline gives its candidates as usual."""
    stub = stub_server([(200, json.dumps(_AUTO).encode())], delay_s=0.1)
    request = request_factory(0, deadline=time.monotonic() + 20.0)
    [result] = _generator(stub.url).generate([request])
    assert [c.tactic for c in result] == ["auto."]


def test_passed_deadline_sends_no_request(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A request whose deadline has already passed is not sent at all."""
    stub = stub_server([(200, json.dumps(_AUTO).encode())])
    request = request_factory(0, deadline=time.monotonic() - 1.0)
    assert _generator(stub.url).generate([request]) == [[]]
    assert stub.received == []


def test_retries_stop_at_the_deadline_without_an_error(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """5xx answers are not retried past the deadline, and running out of time is no error."""
    stub = stub_server([(503, b'{"error": {"message": "overloaded"}}')])
    generator = _generator(stub.url, retry_backoff_s=0.4, max_retries=10)
    started = time.monotonic()
    request = request_factory(0, deadline=started + 1.0)
    assert generator.generate([request]) == [[]]
    assert time.monotonic() - started < 1.2
    assert 1 <= len(stub.received) <= 3


def test_non_json_answer_is_a_generator_error(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A 200 answer that is not JSON gives a GeneratorError naming the problem."""
    stub = stub_server([(200, b"<html>proxy says hi</html>")])
    with pytest.raises(GeneratorError, match="non-JSON"):
        _generator(stub.url).generate([request_factory(0)])


def test_unknown_model_404_is_reported_without_retry(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """The recorded 404 for an unknown model gives a GeneratorError quoting the server."""
    recorded = _recording("unknown_model")
    assert recorded["status"] == 404
    stub = stub_server([(404, json.dumps(recorded["response"]).encode())])
    with pytest.raises(GeneratorError, match=r"404.*does not exist"):
        _generator(stub.url).generate([request_factory(0)])
    assert len(stub.received) == 1


def test_connection_refused_is_a_generator_error(
    request_factory: Callable[..., GenerationRequest],
) -> None:
    """A closed port is retried, then reported as unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    generator = _generator(f"http://127.0.0.1:{port}/v1", max_retries=1)
    with pytest.raises(GeneratorError, match=r"2 attempt.*cannot reach"):
        generator.generate([request_factory(0)])


def test_missing_logprobs_and_bad_index_are_errors() -> None:
    """Choices without logprobs, or with an index beyond n * prompts, are rejected."""
    no_logprobs = {"choices": [{"index": 0, "text": "x", "finish_reason": "stop"}]}
    with pytest.raises(GeneratorError, match="logprobs"):
        parse_completion_response(no_logprobs, num_prompts=1, num_samples=1)
    bad_index = {"choices": [{"index": 5, "text": "x", "logprobs": {"token_logprobs": []}}]}
    with pytest.raises(GeneratorError, match="index 5"):
        parse_completion_response(bad_index, num_prompts=1, num_samples=2)
    with pytest.raises(GeneratorError, match="choices"):
        parse_completion_response({"error": "x"}, num_prompts=1, num_samples=1)


def test_settings_validation_names_field() -> None:
    """Bad transport settings and a non-URL api_base are ConfigErrors naming the field."""
    with pytest.raises(ConfigError, match=r"max_concurrent_requests.*0"):
        HttpSettings(max_concurrent_requests=0)
    with pytest.raises(ConfigError, match="api_base"):
        OpenAIGenerator(
            api_base="localhost:8000", model="m", template=get_template("reprover"), language="coq"
        )


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message}}).encode()


_VLLM_TOO_LONG = _error(
    "This model's maximum context length is 1024 tokens. However, your prompt contains"
    " at least 1025 input tokens, which exceeds this limit."
)


def _choices(count: int) -> bytes:
    single = _AUTO["choices"][0]
    return json.dumps({"choices": [{**single, "index": i} for i in range(count)]}).encode()


def test_a_prompt_over_an_unnamed_context_gets_no_candidates_and_the_others_do(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A too-long 400 naming no length: the batch is retried prompt by prompt, that one empty."""
    too_long = _error("the prompt exceeds the model's context length")
    stub = stub_server([(400, too_long), (200, _choices(3)), (400, too_long)])
    first, second = _generator(stub.url).generate([request_factory(0), request_factory(1)])
    assert [c.tactic for c in first] == ["auto."] and second == []
    assert len(stub.received) == 3 and isinstance(stub.received[0]["prompt"], list)
    assert all("truncate_prompt_tokens" not in body for body in stub.received)


def test_a_named_context_length_makes_every_later_prompt_cut_on_the_left(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """vLLM's too-long 400 names 1024 tokens: the batch is re-sent asking vLLM to keep the
    prompts' last 1024 - max_tokens tokens, and later requests ask it from the start."""
    stub = stub_server([(400, _VLLM_TOO_LONG), (200, _choices(6)), (200, _choices(3))])
    generator = _generator(stub.url)
    first, second = generator.generate([request_factory(0), request_factory(1)])
    assert [c.tactic for c in first] == [c.tactic for c in second] == ["auto."]
    (later,) = generator.generate([request_factory(2)])
    assert [c.tactic for c in later] == ["auto."]
    keep = 1024 - SamplingSettings().max_tokens
    assert "truncate_prompt_tokens" not in stub.received[0]
    assert [body.get("truncate_prompt_tokens") for body in stub.received[1:]] == [keep, keep]
    assert {body.get("truncation_side") for body in stub.received[1:]} == {"left"}


def test_a_refused_truncation_falls_back_and_is_not_asked_again(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A server that rejects the truncation parameter: that state gets no candidates, no
    error, and later requests go without the parameter."""
    unknown = _error("Unrecognized request argument supplied: truncate_prompt_tokens")
    stub = stub_server([(400, _VLLM_TOO_LONG), (400, unknown), (200, _choices(3))])
    generator = _generator(stub.url)
    assert generator.generate([request_factory(0)]) == [[]]
    (later,) = generator.generate([request_factory(1)])
    assert [c.tactic for c in later] == ["auto."]
    assert [("truncate_prompt_tokens" in body) for body in stub.received] == [False, True, False]


def test_other_bad_requests_still_raise(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """A 400 that is not about the context length is a GeneratorError, not an empty answer."""
    stub = stub_server([(400, b'{"error": {"message": "temperature must be >= 0"}}')])
    with pytest.raises(GeneratorError, match=r"HTTP 400.*temperature"):
        _generator(stub.url).generate([request_factory(0)])


def test_the_seed_is_sent_unless_turned_off(
    stub_server: Callable[..., Any], request_factory: Callable[..., GenerationRequest]
) -> None:
    """Requests carry `seed` by default; with request_seed=False (--no-request-seed) they do not."""
    choice = {
        "index": 0,
        "text": "auto.",
        "finish_reason": "stop",
        "logprobs": {"tokens": ["auto."], "token_logprobs": [-1.0]},
    }
    stub = stub_server([(200, json.dumps({"choices": [choice]}).encode())])
    _generator(stub.url).generate([request_factory(0)])
    _generator(stub.url, request_seed=False).generate([request_factory(0)])
    assert "seed" in stub.received[0] and "seed" not in stub.received[1]
