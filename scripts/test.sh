#!/usr/bin/env bash
# The project's test command: set everything up, then lint, type-check and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PROVER_EXTRAS="dev,models,lean" bash scripts/setup.sh
if [ -f scripts/setup_vllm.sh ]; then
    bash scripts/setup_vllm.sh
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest -q
