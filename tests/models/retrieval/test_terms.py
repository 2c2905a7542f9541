"""The printed-term tokenizer and parser behind the retrieval features."""

from __future__ import annotations

import pytest

from models.retrieval.terms import BOUND, Term, TermSyntaxError, parse_term, tokenize


def render(term: Term) -> str:
    """S-expression view of a term tree, for compact assertions."""
    if not term.args:
        return term.head
    return "(" + " ".join([term.head, *(render(a) for a in term.args)]) + ")"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x * x <= y * y /\\ ~ y < 0", "(/\\ (<= (* x x) (* y y)) (~ (< y 0)))"),
        ("(n + 1)%nat = length l", "(= (%nat (+ n 1)) (length l))"),
        ("a -> b -> c", "(-> a (-> b c))"),
        ("P \\/ Q /\\ R <-> S", "(<-> (\\/ P (/\\ Q R)) S)"),
        ("- x + / y * 2 = 3 - - x", "(= (+ (- x) (* (/ y) 2)) (- 3 (- x)))"),
        ("@eq nat (Nat.add a b) c", "(eq nat (Nat.add a b) c)"),
        ("x ^ 2 = (x * x)%R", "(= (^ x 2) (%R (* x x)))"),
        ("[1; 2] ++ [] = l", "(= (++ (§list 1 2) []) l)"),
        ("{x = y} + {x <> y}", "(+ (§set (= x y)) (§set (<> x y)))"),
        ("if b then 1 else 0", "(if b 1 0)"),
    ],
)
def test_notations_parse_with_coq_levels(text: str, expected: str) -> None:
    """Infix notations get Coq's levels and associativity; scopes wrap their term."""
    assert render(parse_term(text)) == expected


def test_binders_bind_their_variables_to_one_symbol() -> None:
    """forall/fun/exists variables become the bound symbol; binder types stay."""
    term = parse_term("forall (x y : R) (l : list nat), (exists n : nat, n = length l) -> x <= y")
    assert render(term) == (
        f"(forall R (list nat) (-> (exists nat (= {BOUND} (length {BOUND}))) (<= {BOUND} {BOUND})))"
    )
    lambda_term = parse_term("(fun z : R => z + 1) x = x")
    assert render(lambda_term) == f"(= (§app (fun R (+ {BOUND} 1)) x) x)"


def test_match_binds_pattern_variables() -> None:
    """Pattern variables of a match branch are bound; the constructor is not."""
    term = parse_term("match n with | 0 => true | S m => f m end = b")
    assert render(term) == f"(= (match n true (f {BOUND})) b)"


@pytest.mark.parametrize("text", ["x + ", "(a b", "forall x", "f ) g", ", x"])
def test_malformed_terms_raise_syntax_error(text: str) -> None:
    """Text the parser cannot read raises TermSyntaxError (callers fall back to tokens)."""
    with pytest.raises(TermSyntaxError):
        parse_term(text)


def test_tokenizer_keeps_qualified_names_scopes_and_symbols() -> None:
    """Qualified identifiers, scope keys and symbol runs are single tokens."""
    tokens = [(t.kind, t.text) for t in tokenize("Nat.add x' 12%Z <=? ?e")]
    assert tokens == [
        ("ident", "Nat.add"),
        ("ident", "x'"),
        ("number", "12"),
        ("scope", "%Z"),
        ("symbol", "<=?"),
        ("evar", "?e"),
    ]
