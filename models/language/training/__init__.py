"""Training a small Llama-architecture tactic model from scratch on traced proof steps.

``prover train-generator --kind lm`` runs
:func:`models.language.training.pipeline.train_language_model`: examples (the trace's
train split plus verified proofs of runs) -> a byte-level BPE tokenizer -> a
few-million-parameter causal LM trained on ``prompt -> tactic </s>`` -> a standard
Hugging Face model directory that vLLM (CPU) serves and the ``hf`` generator loads.
"""
