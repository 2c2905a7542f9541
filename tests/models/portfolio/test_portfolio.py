"""Tests of the built-in tactic portfolio (models.portfolio.generator and its vocabularies)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from models.portfolio.coq import COQ_STRUCTURAL_PRIORS
from models.portfolio.generator import (
    DEFAULT_PRIOR,
    PortfolioGenerator,
    default_priors,
    priors_from_json,
    read_priors_file,
)
from search.errors import ConfigError
from search.protocols import GenerationRequest, TacticGenerator
from search.states import Goal, Hypothesis, ProofState, Theorem

REAL_HEADER = "Require Import Reals.\nOpen Scope R_scope.\n"
NAT_HEADER = "Require Import Arith.\n"


def parse_goal(text: str) -> Goal:
    """A goal from the ``hyps`` / ``⊢ conclusion`` layout (one goal, one line per hypothesis)."""
    *hypothesis_lines, conclusion = text.strip().split("\n")
    hypotheses = []
    for line in hypothesis_lines:
        names, kind = line.split(" : ", 1)
        hypotheses.append(Hypothesis(names=tuple(names.replace(",", " ").split()), type=kind))
    return Goal(hypotheses=tuple(hypotheses), conclusion=conclusion.removeprefix("⊢ "))


def request(
    text: str, *, header: str = REAL_HEADER, num_candidates: int = 100, seed: int = 0
) -> GenerationRequest:
    """A generation request for the single goal written in ``text``."""
    theorem = Theorem(name="t", header=header, statement="Theorem t : True.")
    state = ProofState(goals=(parse_goal(text),), handle=0)
    return GenerationRequest(
        theorem=theorem, state=state, proof_so_far=(), num_candidates=num_candidates, seed=seed
    )


def tactics(generator: PortfolioGenerator, text: str, **options: object) -> list[str]:
    """The tactic texts the generator proposes for one goal."""
    [candidates] = generator.generate([request(text, **options)])  # type: ignore[arg-type]
    return [candidate.tactic for candidate in candidates]


COQ = PortfolioGenerator(language="coq")
LEAN = PortfolioGenerator(language="lean4")
COQ_REAL_GOAL = "x, y : R\nH : 0 < x /\\ x = y\nH0 : 0 < y\n⊢ 0 < x * y"
LEAN_GOAL = "a b : ℝ\nh₀ : 0 < a\nh₁ : 0 < b\nh₂ : a + b = 2\n⊢ a * b ≤ 1"


def test_generator_satisfies_the_protocol() -> None:
    """PortfolioGenerator is a TacticGenerator for both languages."""
    assert isinstance(COQ, TacticGenerator)
    assert isinstance(LEAN, TacticGenerator)


def test_unknown_language_is_rejected() -> None:
    """An unknown language raises ConfigError naming the value."""
    with pytest.raises(ConfigError, match="isabelle"):
        PortfolioGenerator(language="isabelle")


def test_destruct_only_for_conjunction_hypotheses() -> None:
    """Coq destruct is proposed for a conjunction hypothesis, never for an atom."""
    proposed = tactics(COQ, COQ_REAL_GOAL)
    assert "destruct H as [H1 H2]" in proposed  # H and H0 are taken
    assert not any(t.startswith("destruct H0") for t in proposed)


def test_destruct_names_are_fresh() -> None:
    """The names chosen by destruct do not clash with existing hypotheses."""
    goal = "x : R\nH : 0 < x /\\ x < 1\nH0 : x <> 0\nH1 : x > 0\n⊢ x < 2"
    [destruct] = [t for t in tactics(COQ, goal) if t.startswith("destruct H ")]
    introduced = destruct.removeprefix("destruct H as [").removesuffix("]").split()
    assert not {"x", "H", "H0", "H1"} & set(introduced)


def test_rewrite_for_equalities_only() -> None:
    """rewrite is proposed for an equation whose side occurs in the goal, not for inequalities."""
    goal = "a, b : nat\nH : a = b + 1\nH0 : b < 3\n⊢ a * 2 < 10"
    proposed = tactics(COQ, goal, header=NAT_HEADER)
    assert "rewrite H" in proposed
    assert "subst a" in proposed
    assert not any("H0" in t and t.startswith("rewrite") for t in proposed)


def test_coq_domain_decides_arithmetic() -> None:
    """Real goals get lra/nra and no lia; nat goals get lia and no lra."""
    real = tactics(COQ, COQ_REAL_GOAL)
    natural = tactics(COQ, "n : nat\nH : n < 3\n⊢ n * n < 9", header=NAT_HEADER)
    assert {"lra", "nra"} <= set(real) and "lia" not in real
    assert {"lia", "nia"} <= set(natural) and "lra" not in natural


def test_intros_only_for_binders() -> None:
    """intros is proposed when the conclusion is an implication, not for an atom."""
    assert "intros" in tactics(COQ, "x : R\n⊢ 0 < x -> 0 < x * x")
    assert "intros" not in tactics(COQ, COQ_REAL_GOAL)


def test_lean_nlinarith_hints_use_hypothesis_names() -> None:
    """Lean nlinarith hints multiply the positivity hypotheses and square variable differences."""
    proposed = tactics(LEAN, LEAN_GOAL)
    hinted = [t for t in proposed if t.startswith("nlinarith [")]
    assert any("mul_pos h₀ h₁" in t for t in hinted)
    assert any("sq_nonneg (a - b)" in t for t in hinted)
    assert "rw [h₂]" not in proposed  # `a + b` does not occur in the conclusion


def test_lean_rcases_and_intro_are_instantiated() -> None:
    """Lean rcases splits a conjunction with fresh names and intro reuses binder names."""
    proposed = tactics(LEAN, "x y : ℝ\nh₀ : 0 < x ∧ 0 < y\n⊢ ∀ (z : ℝ), x * y * z ^ 2 ≥ 0")
    assert "rcases h₀ with ⟨h₀_left, h₀_right⟩" in proposed
    assert "intro z" in proposed
    assert "omega" not in proposed


def test_lean_interval_cases_for_bounded_naturals() -> None:
    """interval_cases is proposed for a natural number with a numeric upper bound."""
    proposed = tactics(LEAN, "n : ℕ\nh₀ : n < 5\nh₁ : n % 3 = 2\n⊢ n = 2")
    assert "interval_cases n <;> omega" in proposed


def test_no_forbidden_or_multi_sentence_candidates() -> None:
    """No candidate ends with a period, holds a second sentence or uses Admitted/sorry/admit."""
    goals = [COQ_REAL_GOAL, "H : exists k : nat, k = 2 \\/ k = 3\n⊢ True"]
    candidates = [t for goal in goals for t in tactics(COQ, goal, header=NAT_HEADER)]
    candidates += tactics(LEAN, LEAN_GOAL)
    assert candidates
    for tactic in candidates:
        assert not tactic.endswith(".")
        assert not re.search(r"\.\s+\S", tactic), tactic
        assert not re.search(r"\b(Admitted|admit|sorry)\b", tactic), tactic


def test_candidates_sorted_and_deduplicated() -> None:
    """Scores descend, tactics are unique, and every score is a finite log-probability."""
    [candidates] = COQ.generate([request(COQ_REAL_GOAL)])
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert len({c.tactic for c in candidates}) == len(candidates)
    assert all(math.isfinite(score) and score < 0 for score in scores)


def test_same_seed_is_deterministic_and_seed_reorders_ties() -> None:
    """A seed fixes the order; another seed reorders some equal-score candidates."""
    first = tactics(COQ, COQ_REAL_GOAL, seed=1)
    assert first == tactics(COQ, COQ_REAL_GOAL, seed=1)
    flat = PortfolioGenerator(language="coq", priors=dict.fromkeys(default_priors("coq"), -1.0))
    orders = {tuple(tactics(flat, COQ_REAL_GOAL, seed=seed)) for seed in range(4)}
    assert len(orders) > 1
    assert len({frozenset(order) for order in orders}) == 1


def test_priors_override_defaults() -> None:
    """A family named in ``priors`` moves its tactics to the requested score."""
    boosted = PortfolioGenerator(language="coq", priors={"congruence": 5.0})
    [candidates] = boosted.generate([request(COQ_REAL_GOAL)])
    assert candidates[0].tactic == "congruence" and candidates[0].score == 5.0
    assert boosted.score("no-such-family") == DEFAULT_PRIOR


def test_num_candidates_respected() -> None:
    """At most num_candidates are returned, and zero gives an empty list."""
    assert len(tactics(COQ, COQ_REAL_GOAL, num_candidates=3)) == 3
    assert tactics(COQ, COQ_REAL_GOAL, num_candidates=0) == []


def test_batch_returns_one_list_per_request_in_order() -> None:
    """generate answers each request, in order, matching single-request calls."""
    requests = [
        request(COQ_REAL_GOAL, num_candidates=5),
        request("n : nat\n⊢ n + 0 = n", header=NAT_HEADER, num_candidates=2),
    ]
    batch = COQ.generate(requests)
    assert len(batch) == 2
    assert [len(candidates) for candidates in batch] == [5, 2]
    assert batch[1] == COQ.generate([requests[1]])[0]


def test_field_simplify_eq_for_real_equations_with_a_division() -> None:
    """field_simplify_eq is proposed for a real equation with a division, in a hypothesis or
    the goal, and not for conjunctions, inequalities, quantified facts or nat goals."""
    goal = (
        "n : R\nH : n <> 3\nH0 : (n + 5) / (n - 3) = 2\nH1 : n / 2 < 7\n"
        "H2 : 0 < n /\\ n = 4\nH3 : forall x : R, x / 2 = x * / 2\n⊢ n = 11"
    )
    proposed = tactics(COQ, goal)
    assert [t for t in proposed if t.startswith("field_simplify_eq")] == ["field_simplify_eq in H0"]
    assert "field_simplify_eq" in tactics(COQ, "a, b : R\nH : a * b = 1\n⊢ 1 / a = b")
    natural = "n : nat\nH : n / 2 = 3\n⊢ n / 3 = 2"
    assert not any("field" in t for t in tactics(COQ, natural, header=NAT_HEADER))


def test_split_rabs_when_an_absolute_value_is_only_in_a_hypothesis() -> None:
    """split_Rabs; lra is proposed when Rabs occurs in a hypothesis, not only in the goal."""
    goal = "a : R\nH : 1 / 5 * Rabs (9 + 2 * a) < 1\n⊢ -7 < a /\\ a < -2"
    assert "split_Rabs; lra" in tactics(COQ, goal)


def test_rewrite_everywhere_for_a_function_defined_by_a_hypothesis() -> None:
    """`rewrite !h0 in *` is proposed for `forall x, f x = ...` when another hypothesis uses f,
    and not for a recursive equation or a law whose head is a bound variable, whose rewriting
    need not terminate."""
    defined = "a, b : R\nf : R -> R\nh0 : forall x, f x = a * x + b\nh1 : f 7 = 4\n⊢ f 3 = 0"
    assert "rewrite !h0 in *" in tactics(COQ, defined)
    recursive = (
        "s : nat -> R\nh0 : forall n : nat, s (S (S n)) = s (S n) + s n\nh1 : s 9%nat = 110\n"
        "⊢ s 4%nat = 10"
    )
    assert not any(t.startswith("rewrite !") for t in tactics(COQ, recursive))
    lemma = "x : R\nH : forall y : R, y * 0 = 0\nH0 : forall y : R, y + x = 2\n⊢ x = 2"
    assert not any(t.startswith("rewrite !") for t in tactics(COQ, lemma))


def test_complex_equations_are_split_into_real_components() -> None:
    """An equation over Coquelicot's C is proposed as two real equations closed by ring; a real
    equation is not."""
    complex_header = (
        "Require Import Reals.\nRequire Import Coquelicot.Coquelicot.\nOpen Scope C_scope.\n"
    )
    components = "apply injective_projections; simpl; ring"
    assert components in tactics(
        COQ, "y : C\n⊢ 7 * (3 * y + 2) = 21 * y + 14", header=complex_header
    )
    assert components not in tactics(COQ, "y : R\n⊢ 7 * (3 * y + 2) = 21 * y + 14")


def test_state_without_goals_gives_no_candidates() -> None:
    """A state with no open goal yields an empty candidate list."""
    theorem = Theorem(name="t", header="", statement="Theorem t : True.")
    empty = GenerationRequest(
        theorem=theorem,
        state=ProofState(goals=(), handle=0),
        proof_so_far=(),
        num_candidates=4,
        seed=0,
    )
    assert COQ.generate([empty]) == [[]]


# Root goals (after `intros`) of miniF2F-Coq *valid* theorems, as coqtop prints them.
EASY_VALID = [
    (
        "mathd_algebra_104",
        "Require Import Reals.\nOpen Scope R_scope.\n",
        "Theorem mathd_algebra_104 (x : R) (h0 : 125 / 8 = x / 12) : x = 375 / 2.",
        "x : R\nh0 : 125 / 8 = x / 12\n⊢ x = 375 / 2",
    ),
    (
        "mathd_numbertheory_101",
        "Require Import Arith.\n",
        "Theorem mathd_numbertheory_101 :\n  (17 * 18) mod 4 = 2.",
        "⊢ (17 * 18) mod 4 = 2",
    ),
]


@pytest.mark.coq
@pytest.mark.parametrize(("name", "header", "statement", "goal"), EASY_VALID)
def test_top_candidates_prove_easy_valid_statements(
    name: str, header: str, statement: str, goal: str, tmp_path: Path
) -> None:
    """One of the top three Coq candidates closes an easy miniF2F-Coq valid theorem in coqc."""
    if shutil.which("coqc") is None:
        pytest.skip("coqc is not installed")
    top = tactics(COQ, goal, header=header, num_candidates=3)
    for tactic in top:
        source = f"{header}From Coq Require Import Lia Lra.\n{statement}\nProof.\n"
        source += f"intros.\n{tactic}.\nQed.\n"
        (tmp_path / f"{name}.v").write_text(source, encoding="utf-8")
        completed = subprocess.run(
            ["coqc", f"{name}.v"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if completed.returncode == 0:
            return
    pytest.fail(f"none of {top} proves {name}")


def test_psatz_for_real_inequalities_only_when_csdp_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """psatz R 2 is proposed for a real inequality (after intros when the goal has binders)
    when csdp is on PATH; never for equations, disequalities or nat goals, nor without csdp."""
    from models.portfolio import coq

    monkeypatch.setattr(coq, "_csdp_available", lambda: True)
    assert "psatz R 2" in tactics(COQ, "a, b : R\n⊢ a ^ 4 + b ^ 4 >= a ^ 3 * b + a * b ^ 3")
    assert "intros; psatz R 2" in tactics(COQ, "⊢ forall a b : R, 0 < a -> a * b <= a * b + a")
    for goal in ("a, b : R\n⊢ a * b = b * a", "a : R\nH : a < 1\n⊢ a <> 1"):
        assert not any("psatz" in t for t in tactics(COQ, goal)), goal
    natural = "n : nat\n⊢ n * n >= n"
    assert not any("psatz" in t for t in tactics(COQ, natural, header=NAT_HEADER))
    monkeypatch.setattr(coq, "_csdp_available", lambda: False)
    assert not any("psatz" in t for t in tactics(COQ, "a, b : R\n⊢ a ^ 2 + b ^ 2 >= 2 * a * b"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "no non-empty 'families'"),
        ('{"families": {}}', "no non-empty 'families'"),
        ('{"families": {"lia": {"prior": "high"}}}', "'lia' has no number"),
        ('{"families": {"lia": {"prior": true}}}', "'lia' has no number"),
        ('{"families": {"lia": {"prior": Infinity}}}', "not finite"),
        ('{"families": {"lia": 0.5}}', "'lia' has no number"),
    ],
)
def test_priors_text_that_is_not_a_priors_file_is_refused(text: str, message: str) -> None:
    """priors_from_json fails closed on anything but families with finite number priors."""
    with pytest.raises(ValueError, match=message):
        priors_from_json(text)


def test_read_priors_file_names_the_path(tmp_path: Path) -> None:
    """A missing or malformed --portfolio-priors file is a ConfigError naming the flag and path."""
    missing = tmp_path / "missing.json"
    with pytest.raises(ConfigError, match=rf"--portfolio-priors {re.escape(str(missing))}"):
        read_priors_file(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match=re.escape(str(broken))):
        read_priors_file(broken)
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000)
    with pytest.raises(ConfigError, match=re.escape(str(nested))):
        read_priors_file(nested)


def test_packaged_priors_file_parses_to_the_default_table() -> None:
    """The shipped priors.json is a valid priors file, and its priors are the defaults."""
    packaged = Path(__file__).resolve().parents[3] / "models" / "portfolio" / "priors.json"
    table = read_priors_file(packaged)
    defaults = default_priors("coq")
    measured = [f for f in table if f in defaults and f not in COQ_STRUCTURAL_PRIORS]
    assert measured and all(math.isclose(table[f], defaults[f]) for f in measured)
