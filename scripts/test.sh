#!/usr/bin/env bash
# The project's test command: set everything up, then lint, type-check and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PROVER_EXTRAS="dev,models,lean,ray,serve" bash scripts/setup.sh
# Headless Chromium renders the eval report in tests/prover/test_report.py (skipped if absent).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || echo "test: chromium not installed; the report screenshot test will be skipped"
fi
if [ -f scripts/setup_vllm.sh ]; then
    bash scripts/setup_vllm.sh
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# The slowest tests are listed at the end, to see where the suite's time goes.
.venv/bin/pytest -q --durations=20
