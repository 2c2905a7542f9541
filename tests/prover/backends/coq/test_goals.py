"""Pure tests of parsing coqtop -emacs output, on displays recorded from Coq 8.16.1."""

from __future__ import annotations

import pytest

from prover.backends.coq.goals import (
    DisplayKind,
    extract_error,
    parse_goal_display,
    parse_single_goal,
    split_prompt,
    split_unfocused,
)
from search.states import Hypothesis

LONG_TYPE = (
    "forall aaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbb cccccccccccccccc : nat, "
    "aaaaaaaaaaaaaa + bbbbbbbbbbbbbbbbbbb + cccccccccccccccc = "
    "cccccccccccccccc + bbbbbbbbbbbbbbbbbbb + aaaaaaaaaaaaaa"
)
HYPOTHESES_BLOCK = (
    "  \n  n : nat\n"
    "  Hlong : forall aaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbb cccccccccccccccc : nat,\n"
    "          aaaaaaaaaaaaaa + bbbbbbbbbbbbbbbbbbb + cccccccccccccccc =\n"
    "          cccccccccccccccc + bbbbbbbbbbbbbbbbbbb + aaaaaaaaaaaaaa\n"
)
SHOW_TWO_GOALS = (
    "2 goals (ID 9)\n"
    + HYPOTHESES_BLOCK
    + "  z := n + 1 : nat\n  ============================\n  z = S n\n\n"
    "goal 2 (ID 8) is:\n True\n\n"
)
SHOW_GOAL_2 = (
    "goal 2 (ID 8) is:\n" + HYPOTHESES_BLOCK + "  ============================\n  True\n\n"
)
SHOW_THREE_GOALS = (
    "3 goals (ID 7)\n  \n  x, y : R\n  H : 0 < x\n  ============================\n  0 < x\n\n"
    "goal 2 (ID 10) is:\n let z := 1 in z = 1\ngoal 3 (ID 11) is:\n True\n\n"
)
# ``Show.`` inside a bullet under ``Set Printing Unfocused.`` (recorded from Coq 8.16.1).
SHOW_IN_BULLET = (
    "1 goal (ID 10)\n  \n  a, b : nat\n  ============================\n  b = b\n\n"
    "*** Unfocused goals:\n\ngoal 2 (ID 11) is:\n True\ngoal 3 (ID 12) is:\n 0 + b =\n b\n\n"
)
ERROR_WITH_ENVIRONMENT = (
    "Toplevel input, characters 6-7:\n> exact I.\n>       ^\nError:\nIn environment\n"
    "n : nat\nHlong : forall aaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbb cccccccccccccccc : nat,\n"
    "        aaaaaaaaaaaaaa + bbbbbbbbbbbbbbbbbbb + cccccccccccccccc =\n"
    "        cccccccccccccccc + bbbbbbbbbbbbbbbbbbb + aaaaaaaaaaaaaa\nz := n + 1 : nat\n"
    'The term "I" has type "True" while it is expected to have type "z = S n".\n\n'
)


def test_split_prompt_reads_state_id_and_proof_names() -> None:
    """The prompt's state id and open proof names are parsed; the body is what precedes it."""
    reply = split_prompt("No more goals.\n\n<prompt>t < 23 |t| 0 < </prompt>")
    assert reply is not None
    body, prompt = reply
    assert body == "No more goals.\n\n"
    assert (prompt.name, prompt.state_id, prompt.proof_names, prompt.depth) == ("t", 23, ("t",), 0)
    assert prompt.in_proof
    outside = split_prompt("\n<prompt>Coq < 2 || 0 < </prompt>")
    assert outside is not None and not outside[1].in_proof
    assert split_prompt("1 goal (ID 3)\n") is None
    nested = split_prompt("<prompt>inner < 4 |inner|outer| 0 < </prompt>")
    assert nested is not None and nested[1].proof_names == ("inner", "outer")


def test_first_goal_parsed_with_multiline_and_let_bound_hypotheses() -> None:
    """Multi-line hypothesis types are joined; `z := v : T` becomes a let-bound hypothesis."""
    display = parse_goal_display(SHOW_TWO_GOALS)
    assert display.kind is DisplayKind.GOALS
    assert display.goal_count == 2
    goal = display.first_goal
    assert goal is not None
    assert goal.hypotheses == (
        Hypothesis(names=("n",), type="nat"),
        Hypothesis(names=("Hlong",), type=LONG_TYPE),
        Hypothesis(names=("z",), type="nat", value="n + 1"),
    )
    assert goal.conclusion == "z = S n"
    assert display.other_conclusions == ("True",)


def test_comma_separated_hypothesis_names_and_other_conclusions() -> None:
    """`x, y : R` gives one hypothesis with two names; later goals' conclusions are listed."""
    display = parse_goal_display(SHOW_THREE_GOALS)
    assert display.goal_count == 3
    assert display.first_goal is not None
    assert display.first_goal.hypotheses[0] == Hypothesis(names=("x", "y"), type="R")
    assert display.other_conclusions == ("let z := 1 in z = 1", "True")


def test_focused_goals_with_shelved_evars_are_goals() -> None:
    """`N focused goals (shelved: K)` (after eapply) parses like a plain goals display."""
    body = (
        "2 focused goals (shelved: 1) (ID 727)\n  \n  x : nat\n  ============================\n"
        "  x = ?y\n\ngoal 2 (ID 728) is:\n True\n\n"
    )
    display = parse_goal_display(body)
    assert display.kind is DisplayKind.GOALS and display.goal_count == 2
    assert display.first_goal is not None and display.first_goal.conclusion == "x = ?y"
    assert display.other_conclusions == ("True",)


def test_unfocused_goals_are_split_off_and_the_focused_display_parses() -> None:
    """The unfocused section's conclusions come apart; the rest parses as the focused goal."""
    focused, unfocused = split_unfocused(SHOW_IN_BULLET)
    assert unfocused == ("True", "0 + b = b")
    display = parse_goal_display(focused)
    assert display.kind is DisplayKind.GOALS and display.goal_count == 1
    assert display.first_goal is not None and display.first_goal.conclusion == "b = b"
    assert split_unfocused(SHOW_TWO_GOALS) == (SHOW_TWO_GOALS, ())


def test_show_n_gives_the_full_goal() -> None:
    """`Show 2.` output is parsed into hypotheses and conclusion of goal 2."""
    goal = parse_single_goal(SHOW_GOAL_2, 2)
    assert [h.names for h in goal.hypotheses] == [("n",), ("Hlong",)]
    assert goal.conclusion == "True"
    with pytest.raises(ValueError, match="goal 3"):
        parse_single_goal(SHOW_GOAL_2, 3)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("No more goals.\n\n", DisplayKind.NO_MORE_GOALS),
        (
            "<infomsg>All the remaining goals are on the shelf.</infomsg>\n\n2 goals\n\n"
            "goal 1 (ID 6) is:\n nat\ngoal 2 (ID 7) is:\n ?m = n /\\ True\n\n",
            DisplayKind.SHELVED_ONLY,
        ),
        (
            "<infomsg>No more goals, but there are some goals you gave up:</infomsg>\n\n1 goal\n\n"
            "goal 1 (ID 3) is:\n True\nYou need to go back and solve them.\n\n",
            DisplayKind.GAVE_UP,
        ),
        (
            "This subproof is complete, but there are some unfocused goals.\n",
            DisplayKind.UNFOCUSED,
        ),
        ("something else entirely\n", DisplayKind.UNRECOGNIZED),
        ("2 goals (ID 3)\n  ============================\n  True\n\n", DisplayKind.UNRECOGNIZED),
    ],
)
def test_display_kinds_only_plain_no_more_goals_is_complete(body: str, kind: DisplayKind) -> None:
    """Shelved, given-up and unfocused displays are told apart from a real `No more goals.`."""
    assert parse_goal_display(body).kind is kind


def test_error_message_drops_environment_dump() -> None:
    """The error message keeps Coq's sentence, not the echoed input nor the environment."""
    assert extract_error(ERROR_WITH_ENVIRONMENT) == (
        'The term "I" has type "True" while it is expected to have type "z = S n".'
    )
    one_line = (
        "Toplevel input, characters 0-3:\n> foo.\n> ^^^\nError: The reference foo was not found.\n"
    )
    assert extract_error(one_line) == "The reference foo was not found."
    assert extract_error("1 goal (ID 3)\n") is None


def test_error_message_is_shortened() -> None:
    """Very long error messages are cut to the requested length."""
    message = extract_error("Error: " + "x" * 5000, max_chars=100)
    assert message is not None and len(message) == 100 and message.endswith("...")
