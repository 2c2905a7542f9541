"""The trained tokenizer and the training sequences built with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from models.language.training.batches import IGNORE_INDEX, batch_order, encode_batch, render_prompt
from models.language.training.examples import TacticExample

pytestmark = [
    pytest.mark.torch,
    pytest.mark.skipif(
        importlib.util.find_spec("transformers") is None, reason="transformers not installed"
    ),
]

TEXTS = [
    render_prompt("n : nat\n⊢ n + 0 = n"),
    "lia.",
    render_prompt("H : A\n⊢ A"),
    "exact H.",
] * 20


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    """A small tokenizer trained on a few prompts and tactics."""
    from models.language.training.tokenizer import train_tokenizer

    return train_tokenizer(TEXTS, vocab_size=320, model_max_length=512)


def example(state: str, tactic: str) -> TacticExample:
    """A training pair."""
    return TacticExample(state=state, tactic=tactic, theorem="t", source="test")


def test_prompt_is_the_provers_reprover_prompt() -> None:
    """The training prompt is the prover's `reprover` rendering of the state."""
    assert render_prompt("x : R\n⊢ 0 < x") == "[GOAL]\nx : R\n⊢ 0 < x\n[PROOFSTEP]\n"


def test_tokenizer_round_trips_unicode_and_adds_nothing(tokenizer: Any) -> None:
    """Decoding gives the text back (⊢, ℝ never seen included) and no BOS/EOS is added."""
    text = render_prompt("x : ℝ\n⊢ 0 < x ∧ ¬ False")
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.decode(ids) == text
    assert tokenizer.bos_token_id not in ids and tokenizer.eos_token_id not in ids
    assert tokenizer.convert_tokens_to_ids(["<pad>", "<s>", "</s>"]) == [0, 1, 2]


def test_markers_are_single_tokens(tokenizer: Any) -> None:
    """[GOAL] and [PROOFSTEP] are one token each."""
    for marker in ("[GOAL]", "[PROOFSTEP]"):
        assert len(tokenizer(marker)["input_ids"]) == 1


def test_saved_tokenizer_reloads_with_the_same_ids(tokenizer: Any, tmp_path: Path) -> None:
    """AutoTokenizer on the saved files (what vLLM and hf load) encodes identically."""
    from transformers import AutoTokenizer

    tokenizer.save_pretrained(str(tmp_path))
    reloaded = AutoTokenizer.from_pretrained(str(tmp_path))
    text = render_prompt("a b : nat\n⊢ a + b = b + a")
    assert reloaded(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert reloaded.eos_token_id == tokenizer.eos_token_id


def test_labels_cover_only_tactic_and_eos(tokenizer: Any) -> None:
    """Prompt positions and padding are ignored; the tactic's ids then EOS are the labels."""
    batch = encode_batch(
        tokenizer,
        [example("n : nat\n⊢ n + 0 = n", "lia."), example("⊢ True", "exact I.")],
        max_length=64,
        max_tactic_tokens=16,
    )
    assert batch is not None
    for row, tactic in enumerate(("lia.", "exact I.")):
        labels = [v for v in batch.labels[row].tolist() if v != IGNORE_INDEX]
        assert labels == [*tokenizer(tactic)["input_ids"], tokenizer.eos_token_id]
    assert int(batch.attention_mask[0].sum()) != int(batch.attention_mask[1].sum())
    assert batch.target_tokens == sum(
        len(tokenizer(t)["input_ids"]) + 1 for t in ("lia.", "exact I.")
    )


def test_long_prompt_keeps_its_end(tokenizer: Any) -> None:
    """A prompt over max_length loses its beginning; the [PROOFSTEP] marker and tactic stay."""
    state = "\n".join(f"H{i} : x{i} = x{i}" for i in range(60)) + "\n⊢ True"
    batch = encode_batch(
        tokenizer, [example(state, "trivial.")], max_length=48, max_tactic_tokens=16
    )
    assert batch is not None and batch.input_ids.shape[1] == 48
    text = tokenizer.decode(batch.input_ids[0].tolist())
    assert text.endswith("⊢ True\n[PROOFSTEP]\ntrivial.</s>") and "H0 :" not in text


def test_overlong_tactics_are_dropped(tokenizer: Any) -> None:
    """A tactic longer than max_tactic_tokens is left out; a batch of only those is None."""
    long = example("⊢ True", "exact " + " ".join(["I"] * 40) + ".")
    batch = encode_batch(
        tokenizer, [long, example("⊢ True", "trivial.")], max_length=128, max_tactic_tokens=8
    )
    assert batch is not None and batch.dropped == 1 and batch.input_ids.shape[0] == 1
    assert encode_batch(tokenizer, [long], max_length=128, max_tactic_tokens=8) is None


def test_batch_order_covers_every_example_once_and_is_seeded() -> None:
    """Each index appears once; the same seed gives the same order, another seed another."""
    examples = [example("⊢ " + "x" * (i % 17), "t.") for i in range(103)]
    order = batch_order(examples, batch_size=8, seed=1)
    assert sorted(i for batch in order for i in batch) == list(range(103))
    assert all(len(batch) <= 8 for batch in order)
    assert order == batch_order(examples, batch_size=8, seed=1)
    assert order != batch_order(examples, batch_size=8, seed=2)


def test_batch_loss_equals_the_full_models_masked_loss(tokenizer: Any) -> None:
    """The targeted-head, mask-free loss equals transformers' own loss with mask and labels."""
    import torch

    from models.language.training.loop import _batch_loss
    from models.language.training.model import build_model
    from tests.models.language.training.conftest import tiny_config

    model = build_model(tiny_config(Path("t"), Path("o")), tokenizer)
    model.eval()
    batch = encode_batch(
        tokenizer,
        [example("n : nat\n⊢ n + 0 = n", "lia."), example("⊢ True", "exact I.")],
        max_length=64,
        max_tactic_tokens=16,
    )
    assert batch is not None
    with torch.no_grad():
        reference = model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        ).loss
        assert float(_batch_loss(model, batch)) == pytest.approx(float(reference), rel=1e-5)
