"""The Llama-architecture model and the directory it is saved in.

The saved directory is a standard Hugging Face causal-LM directory (``config.json``,
``model.safetensors``, ``tokenizer.json``, ``tokenizer_config.json``,
``generation_config.json``), which ``python -m vllm.entrypoints.openai.api_server --model
DIR``, the in-process ``vllm`` generator and the ``hf`` generator load unchanged, plus
``kind.json`` (``{"kind": "lm", ...}``) telling the prover which generator kind it is.
Embeddings are tied (the output layer reuses them), which halves the parameters of a
small model's vocabulary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.language.training.batches import TEMPLATE
from models.language.training.config import LmTrainingConfig
from models.model_kind import UNREADABLE, read_model_kind
from search.errors import InputError

__all__ = [
    "KIND",
    "build_model",
    "check_model_directory",
    "count_parameters",
    "load_model_directory",
    "save_model_directory",
]

KIND = "lm"


def build_model(config: LmTrainingConfig, tokenizer: Any) -> Any:
    """A freshly initialised ``LlamaForCausalLM`` sized by ``config`` for ``tokenizer``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(config.seed)
    model_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_heads,
        head_dim=config.head_size,
        max_position_embeddings=config.max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(model_config)


def check_model_directory(directory: Path) -> None:
    """Fail closed unless ``directory`` is an lm model directory this command wrote
    (``kind.json`` says ``lm``): one line naming the path, before anything is trained."""
    kind = read_model_kind(directory)
    if kind != KIND:
        found = "no readable kind.json" if kind is UNREADABLE else f"found {kind!r}"
        raise InputError(
            f'{directory}: not an lm model directory (kind.json must say "{KIND}", {found})'
        )


def load_model_directory(directory: Path) -> tuple[Any, Any]:
    """The ``(model, tokenizer)`` saved in an lm model directory, to train further.

    The directory is checked once, with the other inputs, by :func:`check_model_directory`
    (``pipeline.check_inputs``) before this is called."""
    from transformers import AutoTokenizer, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    model = LlamaForCausalLM.from_pretrained(str(directory))
    return model, tokenizer


def count_parameters(model: Any) -> int:
    """Distinct parameters (tied embeddings counted once)."""
    return int(sum(p.numel() for p in model.parameters()))


def save_model_directory(
    model: Any, tokenizer: Any, output: Path, *, manifest: dict[str, Any]
) -> None:
    """Write the HF directory, its generation config and ``kind.json`` into ``output``."""
    from transformers import GenerationConfig

    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(output))
    tokenizer.save_pretrained(str(output))
    GenerationConfig(  # type: ignore[no-untyped-call]
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    ).save_pretrained(str(output))
    kind = {"kind": KIND, "template": TEMPLATE, **manifest}
    (output / "kind.json").write_text(json.dumps(kind, indent=2) + "\n", encoding="utf-8")
