"""What the request whitelists share: the refusal they raise and how they word it.

A request's header and statement are untrusted (docs/serving.md); the Coq and Lean
whitelists (:mod:`prover.interactive.headers.coq`, :mod:`prover.interactive.headers.lean`)
refuse what they do not allow with one :class:`HeaderRefused` whose message names the
sentence or command, shortened to a line by :func:`short`.
"""

from __future__ import annotations

from search.errors import InputError

__all__ = ["HeaderRefused", "forbidden_words_message", "short"]


class HeaderRefused(InputError):
    """A request's header (or statement) holds something the whitelist does not allow."""


def forbidden_words_message(words: list[str]) -> str | None:
    """The refusal naming ``words`` (sorted by the caller), or ``None`` when there are none."""
    if not words:
        return None
    if len(words) == 1:
        return f"the word {words[0]!r} is not allowed"
    return f"the words {', '.join(repr(word) for word in words)} are not allowed"


def short(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters with ``...`` when longer."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
