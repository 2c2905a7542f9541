"""The fail-closed reading of a Lean REPL verification response (`#print axioms`)."""

from __future__ import annotations

from typing import Any

import pytest

from prover.backends.lean.verify import check_command_response, parse_print_axioms

STANDARD = "'t' depends on axioms: [propext, Classical.choice, Quot.sound]"


def info(data: str, severity: str = "info", line: int = 3) -> dict[str, Any]:
    return {"severity": severity, "pos": {"line": line, "column": 0}, "data": data}


def response(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"env": 4, "messages": list(messages)}


def test_both_exact_answer_forms_pass() -> None:
    """The standard axioms and 'does not depend on any axioms' are accepted."""
    ok, message, axioms = check_command_response(response(info(STANDARD)), name="t", print_line=3)
    assert ok and message is None
    assert axioms == ("propext", "Classical.choice", "Quot.sound")
    none = info("'t' does not depend on any axioms")
    assert check_command_response(response(none), name="t", print_line=3) == (True, None, ())
    wrapped = info("'t' depends on axioms: [propext,\n Quot.sound]")
    assert check_command_response(response(wrapped), name="t", print_line=3)[0]


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        ((), "found 0"),
        ((info(STANDARD), info(STANDARD)), "found 2"),
        ((info("'t' depends on axioms: [propext]"), info(STANDARD)), "found 2"),
        ((info("'u' depends on axioms: [propext]"),), "'u'"),
        ((info("'t' depends on axioms: [propext, sorryAx]"),), "sorryAx"),
        ((info("'t' depends on axioms: [propext, Lean.ofReduceBool]"),), "ofReduceBool"),
        ((info("'t' depends on axioms: [Lean.trustCompiler]"),), "trustCompiler"),
        ((info("'t' depends on axioms: [propext, my_axiom]"),), "my_axiom"),
        ((info("'t' depends on axioms: [propext, ]"),), "axioms"),
        ((info("'t' depends on axioms: [propext] and more"),), "axioms"),
        ((info("note: axioms were hidden"), info(STANDARD)), "unrecognized"),
        ((info("unsolved goals", "error"), info(STANDARD)), "Lean error"),
        ((info("declaration uses 'sorry'", "warning"), info(STANDARD)), "sorry"),
        ((info(STANDARD, line=2),), "on line 2, not the command's line 3"),
        (({"severity": "info", "data": STANDARD},), "on line None"),
    ],
)
def test_anything_else_is_refused(messages: tuple[dict[str, Any], ...], reason: str) -> None:
    """Missing, duplicated, foreign, malformed or disallowed answers and errors reject."""
    ok, message, _ = check_command_response(response(*messages), name="t", print_line=3)
    assert not ok
    assert message is not None and reason in message


def test_a_failed_command_is_refused() -> None:
    """A response without an env (the REPL's own error) or with 'message' rejects."""
    assert not check_command_response({"message": "unknown environment"}, name="t", print_line=3)[0]
    assert not check_command_response({"messages": [info(STANDARD)]}, name="t", print_line=3)[0]


def test_parse_print_axioms_is_exact() -> None:
    """Only the exact forms parse; names keep their namespaces."""
    assert parse_print_axioms("'Foo.t' does not depend on any axioms") == ("Foo.t", ())
    assert parse_print_axioms(" " + STANDARD + "\n") is not None
    assert parse_print_axioms("x " + STANDARD) is None
    assert parse_print_axioms("'t' depends on axioms: [a b]") is None
