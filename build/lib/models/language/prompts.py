"""Prompt templates per model family: how a state becomes a prompt and a completion a tactic.

Templates are chosen by name (``--template``):

``reprover``
    ReProver's format, ``[GOAL]\\n{state}\\n[PROOFSTEP]\\n``. The completion is one tactic.
``deepseek``
    DeepSeek-Prover-style code completion: a fenced code block with the header, the
    (optional) informal statement as a comment, the formal statement, the proof so far and
    the current state as a comment; the model continues with the next tactic line.
``internlm``
    InternLM2-StepProver's ``NAME`` / ``PROOF_BEFORE`` / ``STATE_BEFORE`` / ``TACTIC`` format.

Every template stops at the first newline, so a completion is cut to its first line,
stripped. An empty result is dropped. A completion that ended because of the token limit
(``finish_reason == "length"``) without reaching a newline is **dropped**: the tactic is
probably cut mid-term, and running a truncated tactic only wastes a proof-assistant call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from search.errors import ConfigError
from search.protocols import GenerationRequest

__all__ = ["TEMPLATE_NAMES", "PromptTemplate", "get_template"]

_FENCE = "```"


def _render_reprover(request: GenerationRequest, language: str) -> str:
    del language
    return f"[GOAL]\n{request.state.text}\n[PROOFSTEP]\n"


def _comment(language: str, text: str) -> str:
    return f"(* {text} *)" if language == "coq" else f"/- {text} -/"


def _render_deepseek(request: GenerationRequest, language: str) -> str:
    theorem = request.theorem
    fence_language = "coq" if language == "coq" else "lean4"
    lines = [f"Complete the following {_language_title(language)} proof, one tactic per line.", ""]
    lines.append(f"{_FENCE}{fence_language}")
    if theorem.header.strip():
        lines.append(theorem.header.rstrip())
        lines.append("")
    if theorem.informal_statement:
        lines.append(_comment(language, theorem.informal_statement.strip()))
    lines.append(theorem.statement.rstrip())
    if language == "coq":
        lines.append("Proof.")
    lines.extend(f"  {tactic}" for tactic in request.proof_so_far)
    state = request.state.text.rstrip().replace("\n", "\n  ")
    lines.append("  " + _comment(language, f"tactic state:\n  {state}"))
    return "\n".join(lines) + "\n  "


def _render_internlm(request: GenerationRequest, language: str) -> str:
    del language
    proof_before = "\n".join(request.proof_so_far)
    return (
        f"---\nNAME: {request.theorem.name}\n\n"
        f"---\nPROOF_BEFORE: {proof_before}\n\n"
        f"---\nSTATE_BEFORE: {request.state.text}\n\n"
        "---\nTACTIC: "
    )


def _language_title(language: str) -> str:
    return "Coq" if language == "coq" else "Lean 4"


@dataclass(frozen=True, kw_only=True)
class PromptTemplate:
    """A named prompt format: the renderer, its stop sequences and the tactic extraction."""

    name: str
    stop: tuple[str, ...]
    renderer: Callable[[GenerationRequest, str], str]

    def render(self, request: GenerationRequest, *, language: str) -> str:
        """The prompt for ``request`` in proof language ``language`` ("coq" or "lean4")."""
        return self.renderer(request, language)

    def extract(self, completion: str, *, finish_reason: str | None) -> tuple[str, int] | None:
        """Cut ``completion`` to one tactic; returns ``(tactic, end offset)`` or ``None``.

        The tactic is the text up to the first stop sequence, stripped. ``None`` means the
        sample is dropped: empty, or truncated by the token limit before any stop sequence.
        """
        end = len(completion)
        stopped = False
        for stop in self.stop:
            position = completion.find(stop)
            if position != -1 and position < end:
                end, stopped = position, True
        if finish_reason == "length" and not stopped:
            return None
        tactic = completion[:end].strip()
        if not tactic or tactic.startswith(_FENCE):
            return None
        return tactic, end


_TEMPLATES = {
    "reprover": PromptTemplate(
        name="reprover", stop=("\n", "[GOAL]", "[PROOFSTEP]"), renderer=_render_reprover
    ),
    "deepseek": PromptTemplate(name="deepseek", stop=("\n", _FENCE), renderer=_render_deepseek),
    "internlm": PromptTemplate(name="internlm", stop=("\n", "---"), renderer=_render_internlm),
}
TEMPLATE_NAMES = tuple(_TEMPLATES)


def get_template(name: str) -> PromptTemplate:
    """The template called ``name``; ConfigError listing the known names otherwise."""
    try:
        return _TEMPLATES[name]
    except KeyError:
        raise ConfigError(
            f"template must be one of {', '.join(TEMPLATE_NAMES)}, got {name!r}"
        ) from None
