"""Generator throughput against vLLM on the CPU: batched frontier vs one request per state.

    .venv/bin/python -m benchmarks.generator_throughput \
        --python .venv-vllm/bin/python --model-dir .models/smollm2-135m-instruct

Starts vLLM's OpenAI-compatible server once (SmolLM2-135M, bfloat16, eager), then
1. sends the same ``--states`` states with ``n = --samples`` each, first as one batched
   request (``prompt`` as a list), then as one request per state sent one after another,
   and reports candidates per second of both and their ratio (same seeds, same run);
2. runs a best-first search (``search.engine.best_first_search``) with the openai generator,
   on a synthetic environment whose tactics cost ``--tactic-cost`` seconds each or, with
   ``--search-backend coq``, on real coqtop over the first ``--search-theorems`` miniF2F-Coq
   valid theorems, and reports the generator's share of the search's wall time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from models.language.completions import SamplingSettings
from models.language.openai import HttpSettings, OpenAIGenerator
from models.language.prompts import get_template
from models.language.vllm_server import served_model
from search.protocols import GenerationRequest
from search.states import Goal, Hypothesis, ProofState, Theorem

CONCLUSIONS = (
    "n + 0 = n",
    "a + b = b + a",
    "0 < x * x",
    "n * 1 = n",
    "a * (b + c) = a * b + a * c",
    "S n <> 0",
    "n <= n + m",
    "rev (rev l) = l",
    "length (l ++ m) = length l + length m",
    "x - x = 0",
    "max a b >= a",
    "a + (b + c) = (a + b) + c",
    "n + S m = S (n + m)",
    "even (2 * n)",
    "0 <= x * x",
    "a * b = b * a",
)


def make_requests(count: int, samples: int) -> list[GenerationRequest]:
    """``count`` small Coq states with distinct goals and seeds."""
    requests = []
    for index in range(count):
        conclusion = CONCLUSIONS[index % len(CONCLUSIONS)]
        statement = f"Theorem b{index} : {conclusion}."
        theorem = Theorem(name=f"b{index}", header="", statement=statement)
        goal = Goal(hypotheses=(Hypothesis(names=("n", "m"), type="nat"),), conclusion=conclusion)
        state = ProofState(goals=(goal,), handle=index)
        requests.append(
            GenerationRequest(
                theorem=theorem, state=state, proof_so_far=(), num_candidates=samples, seed=index
            )
        )
    return requests


def timed_generate(
    generator: OpenAIGenerator, requests: Sequence[GenerationRequest]
) -> tuple[float, int]:
    """Wall seconds of one generate call and the number of candidates it returned."""
    started = time.monotonic()
    results = generator.generate(requests)
    return time.monotonic() - started, sum(len(group) for group in results)


class SyntheticEnvironment:
    """Every tactic succeeds with a new state (hash of the path) after a fixed cost;
    states at depth ``proof_depth`` count as proved. Stands in for a fast backend."""

    def __init__(self, *, tactic_cost_s: float, proof_depth: int) -> None:
        self.tactic_cost_s = tactic_cost_s
        self.proof_depth = proof_depth

    def open(self, theorem: Theorem) -> ProofState:
        return ProofState(goals=(Goal(hypotheses=(), conclusion="a + b = b + a"),), handle=0)

    def run_tactic(self, state: ProofState, tactic: str, *, timeout_s: float) -> object:
        from search.outcomes import NewState, ProofComplete, TacticError

        del timeout_s
        time.sleep(self.tactic_cost_s)
        depth = int(str(state.handle)) + 1
        digest = hashlib.sha256((state.key + tactic).encode()).hexdigest()[:8]
        if int(digest, 16) % 3 == 0:
            return TacticError(message="synthetic failure")
        if depth >= self.proof_depth and int(digest, 16) % 7 == 0:
            return ProofComplete()
        goal = Goal(hypotheses=(), conclusion=f"goal_{digest} = goal_{digest}")
        return NewState(state=ProofState(goals=(goal,), handle=depth))

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> object:
        from search.outcomes import Verification

        return Verification(ok=True, proof_text="\n".join(proof))

    def close(self) -> None:
        """Nothing to release."""


def search_share(generator: OpenAIGenerator, arguments: argparse.Namespace) -> dict[str, float]:
    """Generator share of wall time in budgeted best-first searches (synthetic or Coq)."""
    from search.config import SearchConfig
    from search.engine import best_first_search

    config = SearchConfig(
        time_limit_s=arguments.search_time,
        num_candidates=arguments.samples,
        expansion_batch_size=arguments.states,
        max_expansions=arguments.search_expansions,
    )
    problems = _search_problems(arguments)
    try:
        results = [
            best_first_search(theorem, environment, generator, config=config)  # type: ignore[arg-type]
            for theorem, environment in problems
        ]
    finally:
        for _, environment in problems:
            environment.close()  # type: ignore[attr-defined]
    wall_s = sum(result.time_s for result in results)
    generator_s = sum(result.generator_time_s for result in results)
    return {
        "searches": float(len(results)),
        "search_wall_s": wall_s,
        "generator_s": generator_s,
        "backend_s": sum(result.backend_time_s for result in results),
        "generator_share": generator_s / wall_s if wall_s else 0.0,
        "expansions": float(sum(result.expansions for result in results)),
    }


def _search_problems(arguments: argparse.Namespace) -> list[tuple[Theorem, object]]:
    if arguments.search_backend == "synthetic":
        environment = SyntheticEnvironment(tactic_cost_s=arguments.tactic_cost, proof_depth=50)
        theorem = Theorem(name="bench", header="", statement="Theorem bench : a + b = b + a.")
        return [(theorem, environment)]
    from prover.backends.coq.config import CoqConfig
    from prover.backends.coq.environment import CoqEnvironment
    from prover.backends.factory import DEFAULT_COQ_PRELUDE
    from prover.data.benchmarks import load_benchmark

    coq = CoqEnvironment(CoqConfig(prelude=DEFAULT_COQ_PRELUDE))
    entries = load_benchmark("minif2f-coq", split="valid")[: arguments.search_theorems]
    return [(entry.theorem, coq) for entry in entries if entry.theorem is not None]


def main() -> int:
    """Start the server, measure, print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", required=True, help="python of the vLLM venv")
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--states", type=int, default=8, help="frontier states per step")
    parser.add_argument("--samples", type=int, default=8, help="n per state")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--tactic-cost", type=float, default=0.002, help="seconds per tactic")
    parser.add_argument("--search-time", type=float, default=120.0)
    parser.add_argument("--search-expansions", type=int, default=24)
    parser.add_argument("--search-backend", choices=("synthetic", "coq"), default="synthetic")
    parser.add_argument("--search-theorems", type=int, default=3, help="with coq")
    arguments = parser.parse_args()
    sampling = SamplingSettings(temperature=1.0, max_tokens=arguments.max_tokens)
    requests = make_requests(arguments.states, arguments.samples)
    log = Path(tempfile.gettempdir()) / "generator_throughput_vllm.log"
    with served_model(
        python=arguments.python, model_dir=arguments.model_dir, log_path=log
    ) as server:

        def client(per_request: int) -> OpenAIGenerator:
            return OpenAIGenerator(
                api_base=server.api_base,
                model=server.served_name,
                template=get_template("reprover"),
                language="coq",
                sampling=sampling,
                http=HttpSettings(prompts_per_request=per_request, max_concurrent_requests=1),
            )

        batched, sequential = client(arguments.states), client(1)
        timed_generate(batched, requests[:1])  # warm-up
        batched_s, batched_count = timed_generate(batched, requests)
        single_s, single_count = timed_generate(sequential, requests)
        report: dict[str, object] = {
            "states": arguments.states,
            "samples_per_state": arguments.samples,
            "max_tokens": arguments.max_tokens,
            "batched_s": round(batched_s, 2),
            "one_per_state_s": round(single_s, 2),
            "batched_samples_per_s": round(arguments.states * arguments.samples / batched_s, 2),
            "one_per_state_samples_per_s": round(
                arguments.states * arguments.samples / single_s, 2
            ),
            "batched_candidates": batched_count,
            "one_per_state_candidates": single_count,
            "speedup_batched_over_one_per_state": round(single_s / batched_s, 2),
        }
        report["search"] = {k: round(v, 3) for k, v in search_share(batched, arguments).items()}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
