"""A byte-level BPE tokenizer trained on the traces, saved as a standard fast tokenizer.

Byte-level, so every state (Unicode ``⊢``, Lean symbols, odd identifiers) is encoded
without an unknown token, and decoding is exact. No normaliser and no post-processor:
``tokenizer(prompt)`` adds no BOS/EOS, so vLLM, transformers and the training code all turn
a prompt into the same ids. The template's markers ``[GOAL]`` and ``[PROOFSTEP]`` are
single (ordinary, not special) tokens. EOS ``</s>`` ends every training tactic; the
generators stop there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["BOS", "EOS", "MARKERS", "PAD", "train_tokenizer"]

PAD, BOS, EOS = "<pad>", "<s>", "</s>"
SPECIAL_TOKENS = (PAD, BOS, EOS)
#: Literal markers of the ``reprover`` prompt template, kept whole.
MARKERS = ("[GOAL]", "[PROOFSTEP]")


def train_tokenizer(texts: Iterable[str], *, vocab_size: int, model_max_length: int) -> Any:
    """A ``PreTrainedTokenizerFast`` with a BPE vocabulary of ``vocab_size`` learnt on ``texts``.

    Ids 0, 1, 2 are ``<pad>``, ``<s>``, ``</s>``.
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(MARKERS),
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.add_tokens([AddedToken(m, normalized=False, special=False) for m in MARKERS])
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        model_max_length=model_max_length,
        clean_up_tokenization_spaces=False,
        truncation_side="left",
    )
