"""A small, fail-soft parser for Coq terms as ``Show`` prints them.

The retrieval features need the *structure* of a printed term: which symbol heads an
application and what its arguments are headed by. Printed terms use notations
(``x + y``, ``a <= b``, ``A -> B``, ``forall (x : R), P``, ``~ P``, ``(n + 1)%nat``), so
this module tokenizes the text and runs a precedence-climbing (Pratt) parser with Coq's
notation levels. The result is a tree of :class:`Term` nodes whose ``head`` is a constant,
a variable, a notation symbol (``+``, ``<=``, ``/\\``), a binder kind (``forall``, ``fun``,
``exists``) or a scope wrapper (``%nat``); bound variables become :data:`BOUND`.

:func:`parse_term` raises :class:`TermSyntaxError` on text it does not understand;
callers fall back to the flat tokens of :func:`tokenize` (fail soft, never crash).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["BOUND", "Term", "TermSyntaxError", "is_identifier", "parse_term", "tokenize"]

#: The one symbol every bound variable (forall/fun/exists/let/match binder) becomes.
BOUND = "§bound"

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<scope>%[A-Za-z_][\w']*)
  | (?P<evar>\?[A-Za-z_][\w']*)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<ident>[^\W\d][\w']*(?:\.[^\W\d][\w']*)*)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<symbol>[^\w\s()\[\]{}]+)
    """,
    re.VERBOSE,
)

#: Infix notations: symbol -> (level, associativity). Lower levels bind tighter (Coq).
_INFIX: dict[str, tuple[int, str]] = {
    "->": (99, "right"),
    "<->": (95, "none"),
    "\\/": (85, "right"),
    "/\\": (80, "right"),
    "=": (70, "none"),
    "<>": (70, "none"),
    "<": (70, "none"),
    "<=": (70, "none"),
    ">": (70, "none"),
    ">=": (70, "none"),
    "==": (70, "none"),
    "=?": (70, "none"),
    "<=?": (70, "none"),
    "<?": (70, "none"),
    "::": (60, "right"),
    "++": (60, "right"),
    "+": (50, "left"),
    "-": (50, "left"),
    "||": (50, "left"),
    "*": (40, "left"),
    "/": (40, "left"),
    "&&": (40, "left"),
    "mod": (40, "none"),
    "^": (30, "right"),
}
#: Any other symbolic infix (a user notation) gets this level.
_UNKNOWN_INFIX_LEVEL = 50
_PREFIX: dict[str, int] = {"~": 75, "-": 35, "/": 35}
_BINDERS = frozenset({"forall", "fun", "exists", "exists2", "∀", "∃", "λ"})
_KEYWORDS = frozenset({"let", "in", "match", "with", "end", "if", "then", "else", "as", "return"})
_STOP_SYMBOLS = frozenset({",", ";", "|", ":=", "=>", ":", "&", ".", ":>"})
_MAX_LEVEL = 200


class TermSyntaxError(ValueError):
    """The printed term is outside what this parser understands (callers fall back)."""


@dataclass(frozen=True, slots=True)
class Term:
    """A node: its head symbol and its argument subterms (atoms have no arguments)."""

    head: str
    args: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: its kind (a group name of the tokenizer) and its text."""

    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; characters the lexer does not know become ``symbol`` tokens."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            tokens.append(Token("symbol", text[position]))
            position += 1
            continue
        kind = match.lastgroup or "symbol"
        if kind != "space":
            tokens.append(Token(kind, match.group()))
        position = match.end()
    return tokens


def is_identifier(text: str) -> bool:
    """Whether ``text`` is one (possibly qualified) Coq identifier."""
    match = _TOKEN.fullmatch(text)
    return match is not None and match.lastgroup == "ident"


def parse_term(text: str) -> Term:
    """The term tree of one printed term; raises :class:`TermSyntaxError` if not understood."""
    parser = _Parser(tokenize(text))
    term = parser.expression(_MAX_LEVEL)
    if not parser.at_end():
        raise TermSyntaxError(f"unexpected {parser.peek_text()!r}")
    return term


class _Parser:
    """Precedence climbing over a token list, with a stack of bound names."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.bound: list[str] = []

    def at_end(self) -> bool:
        return self.position >= len(self.tokens)

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def peek_text(self) -> str:
        token = self.peek()
        return token.text if token is not None else ""

    def advance(self) -> Token:
        token = self.peek()
        if token is None:
            raise TermSyntaxError("unexpected end of term")
        self.position += 1
        return token

    def expect(self, text: str) -> None:
        token = self.advance()
        if token.text != text:
            raise TermSyntaxError(f"expected {text!r}, got {token.text!r}")

    def expression(self, level: int) -> Term:
        """A term whose notations all have levels at most ``level``."""
        left = self.prefix(level)
        while True:
            token = self.peek()
            if token is None:
                return left
            operator = self.infix_level(token)
            if operator is None or operator[0] > level:
                return left
            self.advance()
            operator_level, associativity = operator
            right_level = operator_level if associativity == "right" else operator_level - 1
            left = Term(token.text, (left, self.expression(right_level)))

    def infix_level(self, token: Token) -> tuple[int, str] | None:
        if token.kind == "symbol":
            if token.text in _STOP_SYMBOLS or token.text == "~":
                return None
            return _INFIX.get(token.text, (_UNKNOWN_INFIX_LEVEL, "left"))
        if token.kind == "ident" and token.text in _INFIX:
            return _INFIX[token.text]
        return None

    def prefix(self, level: int) -> Term:
        token = self.peek()
        if token is None:
            raise TermSyntaxError("unexpected end of term")
        if token.text in _BINDERS:
            self.advance()
            return self.binder(token.text)
        if token.text == "let":
            self.advance()
            return self.let_in()
        if token.text == "if":
            self.advance()
            return self.if_then_else()
        if token.kind == "symbol" and token.text in _PREFIX:
            self.advance()
            operand_level = _PREFIX[token.text]
            return Term(token.text, (self.expression(operand_level),))
        return self.application()

    def application(self) -> Term:
        """A head applied to zero or more argument atoms (application is level 10)."""
        head = self.argument()
        arguments: list[Term] = []
        while self.starts_argument():
            arguments.append(self.argument())
        if not arguments:
            return head
        if head.args:
            return Term("§app", (head, *arguments))
        return Term(head.head, tuple(arguments))

    def starts_argument(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind in ("ident", "number", "evar"):
            return token.text not in _KEYWORDS and token.text not in _INFIX
        return token.kind == "open" or token.text == "@"

    def argument(self) -> Term:
        """An atom, a bracketed term, optionally followed by ``%scope``."""
        token = self.advance()
        if token.text == "@":
            return self.argument()
        if token.kind == "open":
            term = self.bracketed(token.text)
        elif token.kind in ("ident", "number", "evar") and token.text not in _KEYWORDS:
            term = Term(self.atom_name(token))
        elif token.text == "match":
            term = self.match()
        else:
            raise TermSyntaxError(f"unexpected {token.text!r}")
        while (next_token := self.peek()) is not None and next_token.kind == "scope":
            self.advance()
            term = Term(next_token.text, (term,))
        return term

    def atom_name(self, token: Token) -> str:
        if token.kind == "evar":
            return "?"
        return BOUND if token.text in self.bound else token.text

    def bracketed(self, opening: str) -> Term:
        closing = {"(": ")", "[": "]", "{": "}"}[opening]
        if opening == "[" and self.peek_text() == "]":
            self.advance()
            return Term("[]")
        if opening == "{" and self.peek_text() == "|":
            return self.record()
        items = [self.expression(_MAX_LEVEL)]
        separator = self.peek_text()
        while separator in (",", ";", "|", "&", ":"):
            self.advance()
            items.append(self.expression(_MAX_LEVEL))
            separator = self.peek_text()
        self.expect(closing)
        if len(items) == 1 and opening == "(":
            return items[0]
        kinds = {"(": "§tuple", "[": "§list", "{": "§set"}
        return Term(kinds[opening], tuple(items))

    def record(self) -> Term:
        """``{| f := v; ... |}``: the field values, without the field names."""
        self.expect("|")
        values: list[Term] = []
        while self.peek_text() != "|":
            if self.advance().text == ":=":
                values.append(self.expression(_MAX_LEVEL))
        self.expect("|")
        self.expect("}")
        return Term("§record", tuple(values))

    def binder(self, kind: str) -> Term:
        """``forall binders, body`` (``fun ... => body``): binder types, then the body."""
        names, types = self.binders(terminators=(",", "=>"))
        self.advance()
        self.bound.extend(names)
        try:
            if kind == "exists2":
                body = self.expression(_MAX_LEVEL)
                self.expect("&")
                body = Term("/\\", (body, self.expression(_MAX_LEVEL)))
            else:
                body = self.expression(_MAX_LEVEL)
        finally:
            del self.bound[len(self.bound) - len(names) :]
        return Term({"∀": "forall", "∃": "exists", "λ": "fun"}.get(kind, kind), (*types, body))

    def binders(self, *, terminators: Iterable[str]) -> tuple[list[str], list[Term]]:
        """Names and types of ``x y : T`` or ``(x : T) (y z : U)`` up to a terminator."""
        stop = tuple(terminators)
        names: list[str] = []
        types: list[Term] = []
        while self.peek_text() not in stop:
            token = self.advance()
            if token.text in ("(", "{", "`(", "`{", "'("):
                group = self.binder_group(closing=")" if token.text.endswith("(") else "}")
                names.extend(group[0])
                types.extend(group[1])
            elif token.text == ":":
                types.append(self.binder_type(stop))
            elif token.kind == "ident" or token.text == "'":
                names.append(token.text)
            else:
                raise TermSyntaxError(f"unexpected {token.text!r} in binders")
        if self.at_end():
            raise TermSyntaxError("binders without a body")
        return names, types

    def binder_group(self, *, closing: str) -> tuple[list[str], list[Term]]:
        names: list[str] = []
        while self.peek_text() not in (":", closing):
            names.append(self.advance().text)
        types: list[Term] = []
        if self.peek_text() == ":":
            self.advance()
            types.append(self.binder_type((closing,)))
        self.expect(closing)
        return names, types

    def binder_type(self, stop: tuple[str, ...]) -> Term:
        term = self.expression(_MAX_LEVEL)
        if self.peek_text() not in stop:
            raise TermSyntaxError(f"unexpected {self.peek_text()!r} after a binder type")
        return term

    def let_in(self) -> Term:
        """``let x := v in b`` (also ``let (a, b) := v in b``)."""
        names: list[str] = []
        while self.peek_text() != ":=":
            token = self.advance()
            if token.kind == "ident":
                names.append(token.text)
        self.advance()
        value = self.expression(_MAX_LEVEL)
        self.expect("in")
        self.bound.extend(names)
        try:
            body = self.expression(_MAX_LEVEL)
        finally:
            del self.bound[len(self.bound) - len(names) :]
        return Term("let", (value, body))

    def if_then_else(self) -> Term:
        condition = self.expression(_MAX_LEVEL)
        self.expect("then")
        then_branch = self.expression(_MAX_LEVEL)
        self.expect("else")
        return Term("if", (condition, then_branch, self.expression(_MAX_LEVEL)))

    def match(self) -> Term:
        """``match t with | p => e ... end``: the scrutinee and the branch bodies."""
        scrutinee = self.expression(_MAX_LEVEL)
        while self.peek_text() not in ("with",):
            self.advance()
        self.advance()
        branches: list[Term] = [scrutinee]
        while self.peek_text() != "end":
            if self.peek_text() == "|":
                self.advance()
            names = self.pattern_names()
            self.bound.extend(names)
            try:
                branches.append(self.expression(_MAX_LEVEL))
            finally:
                del self.bound[len(self.bound) - len(names) :]
        self.advance()
        return Term("match", tuple(branches))

    def pattern_names(self) -> list[str]:
        """The lower-case names a branch pattern binds, consuming it up to ``=>``."""
        names: list[str] = []
        first = True
        while self.peek_text() != "=>":
            token = self.advance()
            if token.kind == "ident" and not first and token.text[:1].islower():
                names.append(token.text)
            first = first and token.kind != "ident"
        self.advance()
        return names
