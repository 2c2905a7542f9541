"""Record real ``/v1/completions`` answers of ``vllm serve`` into tests/models/data/*.json.

    PYTHONPATH=. .venv/bin/python scripts/record_vllm_responses.py \
        --python .venv-vllm/bin/python --model-dir .models/smollm2-135m-instruct

The unit tests parse these recordings, so parsing is checked against what vLLM really
sends (choice order and ``index`` for list prompts with ``n > 1``, the logprobs layout,
``finish_reason`` values, the 404 body for an unknown model).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from models.language.prompts import get_template
from models.language.vllm_server import served_model

DATA = Path(__file__).resolve().parents[1] / "tests" / "models" / "data"
STATES = ("n : nat\n⊢ n + 0 = n", "a b : nat\n⊢ a + b = b + a", "x : R\nh : 0 < x\n⊢ 0 < x * x")


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _prompt(state: str) -> str:
    return f"[GOAL]\n{state}\n[PROOFSTEP]\n"


def main() -> int:
    """Start the server, send the recorded requests, write one JSON file per case."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", required=True, help="python of the vLLM venv")
    parser.add_argument("--model-dir", type=Path, required=True)
    arguments = parser.parse_args()
    stop = list(get_template("reprover").stop)
    cases = {
        "batch_n3": {
            "prompt": [_prompt(s) for s in STATES],
            "n": 3,
            "max_tokens": 24,
            "temperature": 1.0,
            "seed": 11,
        },
        "single_truncated": {
            "prompt": _prompt(STATES[0]),
            "n": 2,
            "max_tokens": 3,
            "temperature": 1.0,
            "seed": 3,
        },
        "unknown_model": {
            "prompt": _prompt(STATES[0]),
            "n": 1,
            "max_tokens": 4,
            "model": "no-such-model",
        },
    }
    log = Path(tempfile.gettempdir()) / "record_vllm_serve.log"
    with served_model(
        python=arguments.python, model_dir=arguments.model_dir, log_path=log
    ) as server:
        url = server.api_base + "/completions"
        for name, extra in cases.items():
            body = {"model": server.served_name, "stop": stop, "logprobs": 0, **extra}
            status, answer = _post(url, body)
            record = {"request": body, "status": status, "response": answer}
            (DATA / f"vllm_{name}.json").write_text(json.dumps(record, indent=1) + "\n")
            print(name, status)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
