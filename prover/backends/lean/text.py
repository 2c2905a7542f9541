"""Lean source text: tactic safety, proof assembly, text scans and axiom parsing.

Everything here is pure string work shared by the REPL and LeanDojo backends.
A candidate tactic is checked by :func:`tactic_rejection` *before* it reaches
Lean, failing closed: it must stay inside the proof block once assembled by
:func:`assemble_proof` (two-space indented under ``:= by``), and must not smuggle in
``sorry``/``admit``, any command (``#eval``, ``theorem``, ``set_option`` ... ``in``,
``attribute``, ``macro``/``elab``/``syntax``/``notation``, ``open ... in``), an
attribute (``@[...]``, ``implemented_by``, ``extern``), ``unsafe`` code,
metaprogramming entry points (``run_tac``, ``by_elab``...) or ``native_decide`` and
the compiler-trusting axioms (``Lean.ofReduceBool``), which the axiom audit rejects
too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from prover.backends.lean.lexing import (
    IDENTIFIER_EDGE,
    UnreadableText,
    code_mask,
    scan_view,
    strip_comments_and_strings,
)
from search.errors import InputError
from search.states import Theorem

__all__ = [
    "ALLOWED_AXIOMS",
    "COMMAND_KEYWORDS",
    "ELABORATOR_SYNTAX",
    "HASH_COMMAND",
    "NOTATION_COMMANDS",
    "assemble_proof",
    "axiom_violations",
    "code_problem",
    "declaration_name",
    "lean_theorem_from_file",
    "lean_theorem_from_source",
    "parse_axioms",
    "proof_text_rejection",
    "sorry_statement",
    "statement_without_proof",
    "tactic_rejection",
]

ALLOWED_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})

NOTATION_COMMANDS = ("notation", "infix", "infixl", "infixr", "prefix", "postfix")
"""Commands that declare notation: a request may not change what a statement's text means."""
COMMAND_KEYWORDS = (
    "theorem",
    "lemma",
    "def",
    "abbrev",
    "example",
    "instance",
    "axiom",
    "opaque",
    "structure",
    "class",
    "inductive",
    "mutual",
    "import",
    "open",
    "namespace",
    "end",
    "section",
    "variable",
    "universe",
    "macro",
    "macro_rules",
    "syntax",
    "elab",
    "elab_rules",
    "attribute",
    *NOTATION_COMMANDS,
    "set_option",
    "noncomputable",
    "private",
    "protected",
    "partial",
    "unsafe",
    "initialize",
    "builtin_initialize",
    "deriving",
    "where",
    "termination_by",
    "decreasing_by",
    "declare_syntax_cat",
    "run_cmd",
    "run_tac",
    "run_elab",
    "run_meta",
    "by_elab",
    "omit",
    "include",
    "export",
    "local",
    "scoped",
    "alias",
    "add_decl_doc",
    "compile_inductive",
    "declare_config_elab",
    "register_option",
    "register_simp_attr",
    "irreducible_def",
    "simproc",
    "dsimproc",
    "simproc_decl",
    "dsimproc_decl",
    "builtin_simproc",
    "builtin_dsimproc",
    "include_str",
    "notation3",
    "register_error_explanation",
    "declare_simp_like_tactic",
    "unif_hint",
    "grind_pattern",
    "init_quot",
)
"""Words that start a command (or, like ``by_elab`` and ``include_str``, run code or read
files while a term elaborates): refused in a tactic, and in a request header unless the
header whitelist admits the command."""
_COMMAND_PATTERN = re.compile(
    rf"(?<!{IDENTIFIER_EDGE})(?:{'|'.join(COMMAND_KEYWORDS)})(?!{IDENTIFIER_EDGE})"
)
HASH_COMMAND = re.compile(r"#[A-Za-z_]")
"""A ``#`` command (``#eval``): ``#`` is never inside a name, so ``2#eval`` is one too."""
_ATTRIBUTE = re.compile(r"@\[")
# Trust in compiled code, anywhere in a (possibly qualified) name: `Lean.ofReduceBool`.
_NATIVE = re.compile(
    r"(?<![\w'])(native_decide|ofReduceBool|ofReduceNat|trustCompiler|implemented_by|extern"
    r"|bv_decide|bv_check)"
    r"(?![\w'])"
)
# Native evaluation by configuration rather than by name (round eight): `decide +native`,
# `decide (config := { native := true })`; `bv_decide` trusts the compiled checker.
_NATIVE_CONFIG = re.compile(r"\+\s*native\b|(?<![\w'.])native\s*:=")
# A configuration is evaluated as compiled code (`declare_config_elab`: `evalExpr'` with
# unsafe safety; round nine), so a request may not name code that acts on the server:
# `unsafeIO`, `unsafeCast`, `ptrAddrUnsafe` ..., or the IO monads (older Lean defines
# `IO.RealWorld` as `Unit`, so safe code can run an IO action too).
_CODE_RUNNING_NAME = re.compile(r"[Uu]nsafe|(?<![\w'])(?:IO|EIO|BaseIO|EStateM|RealWorld)(?![\w'])")
# On a checker without an axiom audit, `decide` with any configuration (an anonymous
# constructor can set `native` by position; round nine).
_CONFIGURED_DECIDE = re.compile(r"(?<![\w'.])decide\s*[(+\-]")
ELABORATOR_SYNTAX = re.compile(r"(?<![\w'!?.])[A-Za-z_][\w'!?]*%")
"""A ``name%`` term elaborator (``eval%`` runs code while elaborating; ``decl_name%`` ...)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CHEATS = re.compile(rf"(?<!{IDENTIFIER_EDGE})(sorryAx|sorry|admit)(?!{IDENTIFIER_EDGE})")
_AXIOM_DECLARATION = re.compile(rf"(?<!{IDENTIFIER_EDGE})axiom(?!{IDENTIFIER_EDGE})")
_BRACKETS = {")": "(", "]": "[", "}": "{", "⟩": "⟨", "⦄": "⦃", "⟧": "⟦"}
_PROOF_SUFFIX = re.compile(r"\s*:=\s*(?:by\s*)?\Z")
_DECLARATION = re.compile(r"(?:theorem|lemma)\s+([^\s:({\[⦃]+)")
_DEPENDS = re.compile(r"depends on axioms:\s*\[(?P<axioms>[^\]]*)\]")
_NO_AXIOMS = re.compile(r"does not depend on any axioms")


def tactic_rejection(tactic: str) -> str | None:
    """Why ``tactic`` must not be sent to Lean (``"rejected: ..."``), or ``None`` if safe."""
    if not tactic.strip():
        return "rejected: empty tactic"
    if tactic != tactic.lstrip():
        return "rejected: tactic starts with whitespace"
    if _CONTROL.search(tactic):
        return "rejected: control characters are not allowed"
    try:
        code = strip_comments_and_strings(tactic)
    except UnreadableText as exc:
        return f"rejected: {exc}"
    for line in tactic.split("\n")[1:]:
        if line.strip() and not line[:1].isspace():
            return "rejected: a line break followed by non-indented text escapes the proof block"
    reason = _forbidden_token(code) or _bracket_problem(code)
    return None if reason is None else f"rejected: {reason}"


def _forbidden_token(code: str) -> str | None:
    code = scan_view(code)
    if match := _CHEATS.search(code):
        return f"uses {match.group(1)!r}"
    if match := HASH_COMMAND.search(code):
        return f"contains the command {code[match.start() :].split(maxsplit=1)[0]!r}"
    if match := _COMMAND_PATTERN.search(code):
        return f"contains the command keyword {match.group(0)!r}"
    if _ATTRIBUTE.search(code):
        return "contains an attribute '@['"
    return code_problem(code)


def code_problem(code: str) -> str | None:
    """Why scan-view ``code`` could trust or run compiled code, or None: native evaluation
    (by name or configuration), a ``name%`` elaborator, or a name of code that acts on the
    machine (``unsafeIO``, ``IO`` ...). Shared by the tactic scan and the request checks."""
    if (native := _native_trust(code)) is not None:
        return native
    if match := ELABORATOR_SYNTAX.search(code):
        return f"uses the term elaborator {match.group()!r}"
    if match := _CODE_RUNNING_NAME.search(code):
        return f"names code that runs on the machine ({match.group()!r})"
    return None


def _configured_decide(code: str) -> str | None:
    match = _CONFIGURED_DECIDE.search(code)
    return None if match is None else "configures decide (it may evaluate natively)"


def _native_trust(code: str) -> str | None:
    """Why ``code`` trusts compiled code (``native_decide``, ``decide +native`` ...), or None."""
    if match := _NATIVE.search(code) or _NATIVE_CONFIG.search(code):
        return f"trusts compiled code ({match.group()!r})"
    return None


def _bracket_problem(code: str) -> str | None:
    stack: list[str] = []
    for char in code:
        if char in "([{⟨⦃⟦":
            stack.append(char)
        elif char in _BRACKETS and (not stack or stack.pop() != _BRACKETS[char]):
            return f"unbalanced {char!r}"
    return f"unclosed {stack[-1]!r}" if stack else None


def statement_without_proof(statement: str) -> str:
    """The statement with its trailing ``:= by`` or ``:=`` (and whitespace) removed."""
    return _PROOF_SUFFIX.sub("", statement.rstrip())


def sorry_statement(statement: str) -> str:
    """``<statement> := by sorry``, used to open a theorem in the REPL."""
    return f"{statement_without_proof(statement)} := by sorry"


def assemble_proof(theorem: Theorem, tactics: Sequence[str]) -> str:
    """The complete source: header, statement and ``:= by`` with indented tactics."""
    body = "\n".join("  " + tactic.replace("\n", "\n  ") for tactic in tactics)
    header = (
        theorem.header
        if theorem.header.endswith("\n") or not theorem.header
        else (theorem.header + "\n")
    )
    return f"{header}{statement_without_proof(theorem.statement)} := by\n{body}\n"


def declaration_name(theorem: Theorem) -> str:
    """The declared name (``theorem NAME``) in the statement, else ``theorem.name``."""
    try:
        code = strip_comments_and_strings(theorem.statement)
    except ValueError:
        code = theorem.statement
    match = _DECLARATION.search(code)
    return match.group(1) if match else theorem.name


def proof_text_rejection(text: str, *, forbid_native: bool = False) -> str | None:
    """Scan a whole assembled source for ``sorry``, ``admit`` and ``axiom`` declarations.

    ``forbid_native`` also rejects ``native_decide``/``ofReduceBool``, for checkers
    that cannot audit axioms.
    """
    try:
        code = strip_comments_and_strings(text)
    except UnreadableText as exc:
        return f"rejected: {exc}"
    code = scan_view(code)
    if match := _CHEATS.search(code):
        return f"rejected: proof text uses {match.group(1)!r}"
    if _AXIOM_DECLARATION.search(code):
        return "rejected: proof text declares an axiom"
    if forbid_native and (native := _native_trust(code) or _configured_decide(code)):
        return f"rejected: {native}, which this checker cannot audit"
    return None


def parse_axioms(message: str) -> tuple[str, ...] | None:
    """Axioms listed by ``#print axioms``; ``()`` for none, ``None`` if not such output."""
    if _NO_AXIOMS.search(message):
        return ()
    match = _DEPENDS.search(message)
    if match is None:
        return None
    return tuple(
        name.strip() for name in match["axioms"].replace("\n", " ").split(",") if name.strip()
    )


def axiom_violations(axioms: Sequence[str]) -> tuple[str, ...]:
    """The axioms outside propext, Classical.choice and Quot.sound (e.g. sorryAx)."""
    return tuple(name for name in axioms if name not in ALLOWED_AXIOMS)


def lean_theorem_from_source(source: str, name: str, *, origin: str = "<source>") -> Theorem:
    """Theorem ``name`` of a Lean file: header = what precedes it, statement ends ``:= by``.

    The theorem's own proof is dropped, and so is a doc comment right before it
    (a dangling doc comment would not elaborate as the end of a header).
    """
    source = _line_endings_as_lean_reads(source, origin)
    try:
        code = code_mask(source)  # a `theorem` in a comment or string is not found
    except UnreadableText as exc:
        raise InputError(f"{origin} cannot be read as Lean reads it: {exc}") from exc
    pattern = r"(?m)^(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+)?(?:theorem|lemma)\s+"
    match = re.search(pattern + re.escape(name) + r"(?=[\s:({\[⦃])", code)
    if match is None:
        raise InputError(f"theorem {name!r} not found in {origin}")
    declared = len(re.findall(_ANY_DECLARATION + re.escape(name) + r"(?=[\s:({\[⦃])", code))
    if declared > 1:  # in two namespaces: which one the user means is not clear (round 43)
        raise InputError(
            f"{name!r} is declared {declared} times in {origin}: the prover does not choose"
        )
    header = source[: match.start()]
    stripped = header.rstrip()
    if stripped.endswith("-/") and (doc := stripped.rfind("/--")) != -1:
        header = header[:doc]
    end = _proof_start(code, match.end(), origin)
    statement = source[match.start() : end].rstrip()
    return Theorem(name=name, header=header, statement=f"{statement} := by", source=origin)


def _line_endings_as_lean_reads(source: str, origin: str) -> str:
    """``source`` as Lean's frontend reads a file: each CRLF becomes LF, once
    (leanprover/lean4#3903, Lean 4.8 on); a lone CR stays (in a string literal it is a
    character). Text where that is not idempotent (``\r\r\n``) is refused: Lean reads it
    as ``\r\n`` or, if the REPL normalizes the command again, as ``\n``, so what Lean would
    check is not certain (fail closed; the file was decoded byte for byte)."""
    normalized = source.replace("\r\n", "\n")
    if "\r\n" in normalized:
        raise InputError(f"{origin} holds CR CR LF, which Lean versions read differently: refused")
    return normalized


def lean_theorem_from_file(path: Path, name: str) -> Theorem:
    """:func:`lean_theorem_from_source` on a file; InputError if it cannot be read."""
    try:
        source = path.read_bytes().decode("utf-8")  # byte for byte: no newline translation
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    return lean_theorem_from_source(source, name, origin=str(path))


def _proof_start(code: str, start: int, origin: str) -> int:
    """Index of the first ``:=`` after ``start`` outside brackets in ``code`` (the file's
    :func:`~prover.backends.lean.lexing.code_mask`: comments and strings blanked).

    A blank line does not end the statement (Lean reads on: red-team round forty-one had
    ``... = 65`` and, after a blank line, ``∧ False := by`` cut to the first line). A
    declaration keyword at the start of a line before any ``:=``, or the end of the file,
    refuses it (InputError): no ``:= by`` proof to replace there."""
    depth = 0
    for index in range(start, len(code)):
        char = code[index]
        if char in "([{⟨⦃":
            depth += 1
        elif char in ")]}⟩⦄":
            depth -= 1
        elif depth == 0 and code.startswith(":=", index):
            return index
        elif char == "\n" and _NEXT_COMMAND.match(code, index + 1):
            break
    raise InputError(f"the theorem at offset {start} of {origin} has no ':=' before its end")


#: Any declaration at the start of a line, up to its name (counted: a name declared twice).
_ANY_DECLARATION = (
    r"(?m)^(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|partial|unsafe)\s+)*"
    r"(?:theorem|lemma|def|abbrev|instance|axiom|opaque|structure|inductive|class)\s+"
)
#: A line that starts another command (the statement before it gave no ``:=``).
_NEXT_COMMAND = re.compile(
    r"(?:@\[|#|(?:private|protected|noncomputable|theorem|lemma|def|example|instance|abbrev|"
    r"structure|class|inductive|namespace|section|end|open|variable|universe|set_option|"
    r"import|axiom|opaque)(?![\w'.!?]))"
)
