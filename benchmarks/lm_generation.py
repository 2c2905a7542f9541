"""The trained tactic LM served by vLLM on the CPU: generation speed, and accuracy when served.

    PYTHONPATH=. .venv/bin/python -m benchmarks.lm_generation \
        --python .venv-vllm/bin/python --model-dir MODEL_DIR --trace TRACE_DIR

Starts vLLM's OpenAI-compatible server on ``--model-dir`` (bfloat16, eager, prefix caching,
``--max-model-len``), or uses the one at ``--api-base``, then asks the ``openai``
generator, as ``prove --generator openai`` does (n = ``--samples`` completions per state,
``--max-tokens``, ``--temperature``, states batched ``--prompts-per-request`` per
request), for tactics of ``--states`` held-out test states of the trace (the same seeded
sample the training command evaluates). Reports the server start-up time, states/s,
sampled completions/s and distinct candidates/s, and the top-1/top-10 exact-match
accuracy of what came back through the server (the metric of ``metrics.json``, so the
served model can be checked against the offline figure).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from models.evaluation_metrics import top_k_accuracy
from models.language.completions import SamplingSettings
from models.language.openai import HttpSettings, OpenAIGenerator
from models.language.prompts import get_template
from models.language.training.evaluation import TOP_K, sample_examples
from models.language.training.examples import load_dataset
from models.language.vllm_server import served_model
from search.protocols import GenerationRequest
from search.states import Candidate, ProofState, Theorem

_THEOREM = Theorem(name="heldout", header="", statement="Theorem heldout : True.")


def _generate(
    arguments: argparse.Namespace, api_base: str, requests: list[GenerationRequest]
) -> tuple[float, list[list[Candidate]]]:
    """Seconds and answers of one batched generate call (after a one-state warm-up)."""
    generator = OpenAIGenerator(
        api_base=api_base,
        model=arguments.served_name,
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(
            temperature=arguments.temperature, max_tokens=arguments.max_tokens
        ),
        http=HttpSettings(prompts_per_request=arguments.prompts_per_request),
    )
    generator.generate(requests[:1])
    began = time.monotonic()
    answers = generator.generate(requests)
    return time.monotonic() - began, answers


def main() -> int:
    """Serve, generate, print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", help="python of the vLLM venv (starts a server)")
    parser.add_argument("--model-dir", type=Path, help="model directory to serve")
    parser.add_argument("--api-base", help="use this running server instead of starting one")
    parser.add_argument("--served-name", default="lm", help="model name on --api-base")
    parser.add_argument("--trace", type=Path, required=True, help="trace directory (test split)")
    parser.add_argument("--states", type=int, default=64)
    parser.add_argument("--samples", type=int, default=32, help="n per state")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--prompts-per-request", type=int, default=16)
    parser.add_argument("--max-model-len", type=int, default=4096)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
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
    if arguments.api_base:
        startup_s, (seconds, answers) = 0.0, _generate(arguments, arguments.api_base, requests)
    else:
        if not arguments.python or not arguments.model_dir:
            parser.error("give --api-base, or --python and --model-dir to start a server")
        log = Path(tempfile.gettempdir()) / "lm_generation_vllm.log"
        started = time.monotonic()
        with served_model(
            python=arguments.python,
            model_dir=arguments.model_dir,
            log_path=log,
            served_name=arguments.served_name,
            max_model_len=arguments.max_model_len,
        ) as server:
            startup_s = time.monotonic() - started
            seconds, answers = _generate(arguments, server.api_base, requests)
    candidates = sum(len(group) for group in answers)
    accuracy = top_k_accuracy(
        [[c.tactic for c in group] for group in answers], [e.tactic for e in test], TOP_K
    )
    report = {
        "model": str(arguments.model_dir or arguments.served_name),
        "states": len(requests),
        "samples_per_state": arguments.samples,
        "max_tokens": arguments.max_tokens,
        "temperature": arguments.temperature,
        "server_startup_s": round(startup_s, 1),
        "generation_s": round(seconds, 2),
        "states_per_s": round(len(requests) / seconds, 3),
        "samples_per_s": round(len(requests) * arguments.samples / seconds, 1),
        "candidates_per_s": round(candidates / seconds, 1),
        "mean_distinct_candidates": round(candidates / len(requests), 2),
        **{key: round(value, 4) for key, value in accuracy.items()},
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
