"""Fine-tune the ``transformer`` progress family (LeanProgress's regression recipe).

LeanProgress (arXiv 2502.17925 §4): one scalar regression output, MSE loss, AdamW (betas
0.9/0.999, weight decay 0.01, linear warmup over 3 % of the steps). The target is
log(1 + remaining steps), standardised (statistics in the manifest), so that the trace's
hundreds-of-steps proofs do not dominate the squared loss.
The learning rate and epochs are flags of ``prover train-progress``; see
docs/progress.md for the values used.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from models.progress.data import ProgressExample
from models.progress.manifest import ProgressManifest, encode_label, format_input

__all__ = ["TransformerSettings", "fit_transformer"]

logger = logging.getLogger(__name__)


class TransformerSettings(Protocol):
    """The training-config fields the transformer family reads."""

    @property
    def input_format(self) -> str: ...
    @property
    def epochs(self) -> float: ...
    @property
    def max_steps(self) -> int | None: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def learning_rate(self) -> float: ...
    @property
    def weight_decay(self) -> float: ...
    @property
    def warmup_ratio(self) -> float: ...
    @property
    def max_length(self) -> int: ...
    @property
    def num_layers(self) -> int | None: ...
    @property
    def seed(self) -> int: ...
    @property
    def threads(self) -> int | None: ...


def fit_transformer(
    settings: TransformerSettings,
    manifest: ProgressManifest,
    train: Sequence[ProgressExample],
    output: Path,
) -> None:
    """Fine-tune ``manifest.backbone`` on ``train`` and save model + tokenizer in ``output``."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(manifest.backbone)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # num_layers keeps only the backbone's first layers: a CPU speed knob for search time.
    config = AutoConfig.from_pretrained(manifest.backbone, num_labels=1, problem_type="regression")
    if settings.num_layers is not None:
        config.num_hidden_layers = settings.num_layers
    model = AutoModelForSequenceClassification.from_pretrained(manifest.backbone, config=config)
    model.config.pad_token_id = tokenizer.pad_token_id

    def encode(batch: Sequence[ProgressExample]) -> Any:
        texts = [format_input(e.state, e.proof_so_far, settings.input_format) for e in batch]
        return tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=settings.max_length,
            return_tensors="pt",
        )

    steps_per_epoch = math.ceil(len(train) / settings.batch_size)
    total_steps = settings.max_steps or max(1, math.ceil(settings.epochs * steps_per_epoch))
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=settings.learning_rate,
        betas=(0.9, 0.999),
        weight_decay=settings.weight_decay,
    )
    warmup = max(1, int(settings.warmup_ratio * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup + 1))
        ),
    )
    order = random.Random(settings.seed)
    model.train()
    step = 0
    while step < total_steps:
        shuffled = list(train)
        order.shuffle(shuffled)
        for start in range(0, len(shuffled), settings.batch_size):
            if step >= total_steps:
                break
            batch = shuffled[start : start + settings.batch_size]
            targets = torch.tensor([encode_label(manifest, e.remaining_steps) for e in batch])
            outputs = model(**encode(batch)).logits.squeeze(-1)
            loss = torch.nn.functional.mse_loss(outputs, targets)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 20 == 0 or step == total_steps:
                logger.info("step %d/%d loss %.4f", step, total_steps, loss.item())
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(output))
    tokenizer.save_pretrained(str(output))
