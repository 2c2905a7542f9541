"""Checks shared by the in-process generators: models load from local directories only."""

from __future__ import annotations

import os
from pathlib import Path

from search.errors import GeneratorError

__all__ = ["require_local_model_dir"]


def require_local_model_dir(model: str | None) -> Path:
    """``model`` as an existing directory; GeneratorError explaining hubs are unreachable.

    Also sets ``HF_HUB_OFFLINE=1`` so that nothing downstream tries a model hub.
    """
    if not model:
        raise GeneratorError("no model given: pass --model with a local model directory")
    path = Path(model).expanduser()
    if not path.is_dir():
        raise GeneratorError(
            f"model {model!r} is not an existing local directory; model hubs cannot be"
            " reached from this machine, so pass a local path: the directory of a downloaded"
            " or converted Hugging Face model (see scripts/setup_vllm.sh)"
        )
    if not (path / "config.json").is_file():
        raise GeneratorError(f"model directory {path} has no config.json")
    os.environ["HF_HUB_OFFLINE"] = "1"
    return path
