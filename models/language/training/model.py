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
    "pretrained_rejection",
    "save_model_directory",
]

KIND = "lm"
_ARCHITECTURE = "LlamaForCausalLM"
_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


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
    """Fail closed unless ``directory`` is a model ``--init-from`` can train further: an lm
    model directory this command wrote (``kind.json`` says ``lm``) or a pretrained Hugging
    Face Llama directory without ``kind.json`` (:func:`pretrained_rejection`). Anything
    else is one line naming the path, before anything is trained."""
    kind = read_model_kind(directory)
    if kind == KIND:
        return
    if kind is UNREADABLE and not (directory / "kind.json").exists():
        reason = pretrained_rejection(directory)
        if reason is None:
            return
        raise InputError(
            f"{directory}: not an lm model directory (no kind.json) nor a pretrained "
            f"Llama directory ({reason})"
        )
    found = "an unreadable kind.json" if kind is UNREADABLE else f"found {kind!r}"
    raise InputError(
        f'{directory}: not an lm model directory (kind.json must say "{KIND}", {found})'
    )


def pretrained_rejection(directory: Path) -> str | None:
    """Why ``directory`` is not a pretrained causal LM this trainer can load, or None.

    Admitted: a Hugging Face directory whose ``config.json`` declares ``model_type``
    ``llama`` and the ``LlamaForCausalLM`` architecture (SmolLM2, TinyLlama, the models
    this command writes), with its weights and a ``tokenizer.json``: the model and
    tokenizer are then taken as they are (its sizes and vocabulary, not the size flags).
    """
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"no readable config.json: {type(error).__name__}"
    if not isinstance(config, dict):
        return "config.json is not a JSON object"
    architectures = config.get("architectures")
    checks = (
        (
            config.get("model_type") == "llama",
            f"model_type {config.get('model_type')!r}, only 'llama' is supported",
        ),
        (
            isinstance(architectures, list) and _ARCHITECTURE in architectures,
            f"architectures {architectures!r} lack {_ARCHITECTURE}",
        ),
        (
            any((directory / name).is_file() for name in _WEIGHT_FILES),
            f"no weights ({' or '.join(_WEIGHT_FILES)})",
        ),
        ((directory / "tokenizer.json").is_file(), "no tokenizer.json"),
    )
    return next((reason for passed, reason in checks if not passed), None)


def load_model_directory(directory: Path) -> tuple[Any, Any]:
    """The ``(model, tokenizer)`` of an lm or pretrained Llama directory, to train further.

    The directory is checked once, with the other inputs, by :func:`check_model_directory`
    (``pipeline.check_inputs``) before this is called. A tokenizer without a padding token
    pads with its end-of-sequence token (padding never enters the loss); one without an
    end-of-sequence token cannot end a tactic and is refused. Prompts are truncated on
    the left, as the tokenizer this command trains does."""
    from transformers import AutoTokenizer, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    if tokenizer.eos_token_id is None:
        raise InputError(f"{directory}: the tokenizer has no end-of-sequence token")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    # Long prompts lose their beginning, never the goal and the marker that ends them.
    tokenizer.truncation_side = "left"
    model = LlamaForCausalLM.from_pretrained(str(directory))
    model.config.pad_token_id = tokenizer.pad_token_id
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
