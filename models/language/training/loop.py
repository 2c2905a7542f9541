"""The training loop: AdamW, warmup then cosine, bounded by time, steps or epochs.

The bound is checked before every optimizer step, so ``max_train_s`` holds to within one
step (plus the final held-out evaluation). The learning-rate schedule follows the
*budget fraction used*, the largest of elapsed/``max_train_s``, step/``max_steps`` and
examples seen/``epochs`` passes, so a time-bounded run still ends its cosine at the end
of its time. The held-out loss is measured on a fixed sample of valid examples every
``valid_every_steps`` steps, at the start and at the end; train loss is the mean over
each logging interval.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.language.training.batches import (
    IGNORE_INDEX,
    EncodedBatch,
    batch_order,
    encode_batch,
)
from models.language.training.config import LmTrainingConfig
from models.language.training.examples import TacticExample

__all__ = ["LossCurve", "TrainingRun", "train_model"]

logger = logging.getLogger(__name__)


@dataclass
class LossCurve:
    """``(step, elapsed seconds, loss)`` points of the train and held-out valid losses."""

    train: list[tuple[int, float, float]] = field(default_factory=list)
    valid: list[tuple[int, float, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[dict[str, float]]]:
        """JSON form: lists of ``{step, elapsed_s, loss}``."""
        return {
            name: [{"step": s, "elapsed_s": round(t, 2), "loss": round(v, 5)} for s, t, v in points]
            for name, points in (("train", self.train), ("valid", self.valid))
        }


@dataclass(frozen=True, kw_only=True)
class TrainingRun:
    """What the loop did: steps, epochs, why it stopped, time, tokens and the loss curve.

    ``train_time_s`` is the time at which the loop stopped (the final held-out loss is
    measured after it).
    """

    steps: int
    epochs: float
    stop_reason: str
    train_time_s: float
    target_tokens: int
    dropped_examples: int
    curve: LossCurve


class _Budget:
    """The stopping rule and the schedule's progress fraction."""

    def __init__(self, config: LmTrainingConfig, train_size: int, clock: Callable[[], float]):
        self.config = config
        self.clock = clock
        self.started = clock()
        self.total_examples = config.epochs * train_size

    def elapsed(self) -> float:
        return self.clock() - self.started

    def fractions(self, step: int, seen: int) -> dict[str, float]:
        config = self.config
        used = {"epochs": seen / self.total_examples if self.total_examples else 1.0}
        if config.max_steps is not None:
            used["max_steps"] = step / config.max_steps
        if config.max_train_s is not None:
            used["max_train_s"] = self.elapsed() / config.max_train_s
        return used

    def stop_reason(self, step: int, seen: int) -> str | None:
        reached = [name for name, value in self.fractions(step, seen).items() if value >= 1.0]
        return reached[0] if reached else None

    def learning_rate(self, step: int, seen: int) -> float:
        config = self.config
        progress = min(1.0, max(self.fractions(step, seen).values()))
        warmup = min(1.0, (step + 1) / config.warmup_steps)
        floor = config.min_learning_rate_ratio
        cosine = floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
        return config.learning_rate * warmup * cosine


def train_model(
    model: Any,
    tokenizer: Any,
    train: Sequence[TacticExample],
    valid: Sequence[TacticExample],
    config: LmTrainingConfig,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> TrainingRun:
    """Train ``model`` in place on ``train``; the loss curve includes held-out ``valid`` loss."""
    import torch

    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=config.learning_rate,
        betas=(0.9, 0.95),
        weight_decay=config.weight_decay,
    )
    valid_batches = _valid_batches(tokenizer, valid, config)
    budget = _Budget(config, len(train), clock)
    curve = LossCurve()
    step = seen = tokens = dropped = epoch = 0
    interval: list[float] = []
    curve.valid.append((0, 0.0, _held_out_loss(model, valid_batches)))
    stop = budget.stop_reason(step, seen)
    while stop is None:
        for indices in batch_order(train, batch_size=config.batch_size, seed=config.seed + epoch):
            stop = budget.stop_reason(step, seen)
            if stop is not None:
                break
            batch = encode_batch(
                tokenizer,
                [train[i] for i in indices],
                max_length=config.max_length,
                max_tactic_tokens=config.max_tactic_tokens,
            )
            seen += len(indices)
            if batch is None:
                dropped += len(indices)
                continue
            for group in optimizer.param_groups:
                group["lr"] = budget.learning_rate(step, seen)
            interval.append(_optimizer_step(model, optimizer, batch))
            step += 1
            tokens += batch.target_tokens
            dropped += batch.dropped
            if step % config.log_every_steps == 0:
                curve.train.append((step, budget.elapsed(), sum(interval) / len(interval)))
                interval = []
                _log_progress(
                    step=step,
                    seen=seen,
                    train_size=len(train),
                    tokens=tokens,
                    budget=budget,
                    curve=curve,
                )
            if step % config.valid_every_steps == 0:
                curve.valid.append((step, budget.elapsed(), _held_out_loss(model, valid_batches)))
        epoch += 1
    stopped_at = budget.elapsed()
    if interval:
        curve.train.append((step, budget.elapsed(), sum(interval) / len(interval)))
    if not curve.valid or curve.valid[-1][0] != step:
        curve.valid.append((step, budget.elapsed(), _held_out_loss(model, valid_batches)))
    model.eval()
    return TrainingRun(
        steps=step,
        epochs=seen / len(train) if train else 0.0,
        stop_reason=stop,
        train_time_s=stopped_at,
        target_tokens=tokens,
        dropped_examples=dropped,
        curve=curve,
    )


def _batch_loss(model: Any, batch: EncodedBatch) -> Any:
    """Mean cross-entropy of the target tokens, with the output layer run only where needed.

    Two savings over ``model(..., labels=...)`` that leave the loss unchanged: the
    vocabulary projection runs on the target positions only (the prompt's logits are never
    used), and no attention mask is passed, because padding sits at the right end of each
    row and causal attention never lets a real token see the padding after it.
    """
    import torch

    hidden = model.model(input_ids=batch.input_ids).last_hidden_state
    targets = batch.labels[:, 1:]
    positions = targets != IGNORE_INDEX
    logits = model.lm_head(hidden[:, :-1][positions])
    return torch.nn.functional.cross_entropy(logits.float(), targets[positions])


def _optimizer_step(model: Any, optimizer: Any, batch: EncodedBatch) -> float:
    import torch

    model.train()
    loss = _batch_loss(model, batch)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return float(loss.item())


def _valid_batches(
    tokenizer: Any, valid: Sequence[TacticExample], config: LmTrainingConfig
) -> list[EncodedBatch]:
    """The fixed held-out sample, encoded once."""
    chosen = list(valid)
    random.Random(config.seed).shuffle(chosen)
    chosen = chosen[: config.valid_examples]
    batches = []
    for start in range(0, len(chosen), config.batch_size):
        encoded = encode_batch(
            tokenizer,
            chosen[start : start + config.batch_size],
            max_length=config.max_length,
            max_tactic_tokens=config.max_tactic_tokens,
        )
        if encoded is not None:
            batches.append(encoded)
    return batches


def _held_out_loss(model: Any, batches: Sequence[EncodedBatch]) -> float:
    """Mean loss per target token over ``batches`` (NaN when there are none)."""
    import torch

    if not batches:
        return math.nan
    model.eval()
    total = 0.0
    count = 0
    with torch.no_grad():
        for batch in batches:
            total += float(_batch_loss(model, batch).item()) * batch.target_tokens
            count += batch.target_tokens
    return total / count


def _log_progress(
    *, step: int, seen: int, train_size: int, tokens: int, budget: _Budget, curve: LossCurve
) -> None:
    elapsed = budget.elapsed()
    valid = curve.valid[-1][2] if curve.valid else math.nan
    logger.info(
        "step %d epoch %.3f loss %.4f valid %.4f target tok/s %.0f elapsed %.0f s",
        step,
        seen / max(1, train_size),
        curve.train[-1][2],
        valid,
        tokens / max(elapsed, 1e-9),
        elapsed,
    )
