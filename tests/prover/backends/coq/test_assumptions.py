"""Tests of the coqchk summary parser and the axiom policy (pure, plus stdlib sources)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from prover.backends.coq.assumptions import (
    ALLOWED_AXIOMS,
    SEALED_LIBRARY_FIELDS,
    ContextSummary,
    parse_context_summary,
    summary_problem,
)

CLEAN = """
CONTEXT SUMMARY
===============

* Theory: Set is predicative
  
* Axioms: <none>
  
* Constants/Inductives relying on type-in-type: <none>
  
* Constants/Inductives relying on unsafe (co)fixpoints: <none>
  
* Inductives whose positivity is assumed: <none>
  
"""  # noqa: W293 - coqchk prints these whitespace-only lines

REALS = CLEAN.replace(
    "* Axioms: <none>",
    "* Axioms:\n    Coq.Reals.Rdefinitions.RbaseSymbolsImpl.R\n"
    "    Coq.Logic.Classical_Prop.classic\n    Coq.ssr.ssrunder.Under_rel.over_rel",
)


def summary(**sections: str) -> str:
    """CLEAN with some sections replaced by ``title -> names`` (names one per line)."""
    text = CLEAN
    for title, names in sections.items():
        lines = "".join(f"\n    {name}" for name in names.split())
        text = text.replace(f"* {title}: <none>", f"* {title}:{lines}")
    return text


def test_clean_and_reals_summaries_parse() -> None:
    """A summary with no assumption and one with the Reals axioms parse exactly."""
    assert parse_context_summary(CLEAN) == ContextSummary(
        axioms=(), type_in_type=(), unsafe_fixpoints=(), assumed_positivity=()
    )
    parsed = parse_context_summary(REALS)
    assert isinstance(parsed, ContextSummary)
    assert parsed.axioms == (
        "Coq.Reals.Rdefinitions.RbaseSymbolsImpl.R",
        "Coq.Logic.Classical_Prop.classic",
        "Coq.ssr.ssrunder.Under_rel.over_rel",
    )
    assert summary_problem(parsed) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        CLEAN.replace("Set is predicative", "Set is impredicative"),
        CLEAN.replace(
            "* Theory: Set is predicative", "* Theory: Set is predicative; Type: in Type"
        ),
        CLEAN.replace("* Axioms: <none>", "* Axioms:"),
        CLEAN.replace("* Axioms: <none>", "* Axioms: <none>\n    Coq.Logic.Classical_Prop.classic"),
        CLEAN.replace("* Axioms: <none>", "* Axioms:\n    classic is assumed to be guarded."),
        CLEAN.replace("* Axioms: <none>", "* Axioms:\n  Coq.Logic.Classical_Prop.classic"),
        CLEAN.replace("* Axioms: <none>", "* Axioms:\n    Coq.Logic.Classical_Prop.classic x"),
        CLEAN.replace("* Axioms: <none>", "* Axioms:\n    Fetching opaque proofs from disk"),
        CLEAN + "* Some new section: <none>\n",
        CLEAN + "Loading opaque proofs from disk\n",
        CLEAN.replace("* Inductives whose positivity is assumed: <none>\n", ""),
        CLEAN.replace("CONTEXT SUMMARY", "CONTEXT  SUMMARY"),
        "Fatal Error: User error: Cannot find library\n" + CLEAN,
    ],
)
def test_anything_not_understood_is_unparseable(text: str) -> None:
    """Unknown layouts, extra lines, malformed names and missing sections are reasons, not data."""
    assert isinstance(parse_context_summary(text), str)


@pytest.mark.parametrize(
    ("sections", "needle"),
    [
        ({"Axioms": "ProverCheck.Checked.classic"}, "ProverCheck.Checked.classic"),
        ({"Axioms": "ProverCheck.Checked.Classical_Prop.classic"}, "Classical_Prop.classic"),
        ({"Axioms": "Top.Coq.Logic.Classical_Prop.classic"}, "Top.Coq"),
        ({"Axioms": "Coq.Logic.Classical_Prop.classic2"}, "classic2"),
        ({"Axioms": "Coq.Reals.Rdefinitions.RbaseSymbolsImpl.Rfoo"}, "Rfoo"),
        ({"Axioms": "Coq.Logic.ProofIrrelevance.proof_irrelevance"}, "proof_irrelevance"),
        ({"Axioms": "Coq.Logic.PropExtensionality.propositional_extensionality"}, "propositional"),
        ({"Axioms": "mathcomp.ssreflect.bigop.BigOp.bigop2"}, "bigop2"),
        ({"Axioms": "mathcomp.ssreflect.bigop.BigOpX.bigop"}, "BigOpX"),
        ({"Axioms": "ProverCheck.Checked.mathcomp.ssreflect.bigop.BigOp.bigop"}, "Checked"),
        ({"Constants/Inductives relying on type-in-type": "ProverCheck.Checked.t"}, "type-in-type"),
        (
            {"Constants/Inductives relying on unsafe (co)fixpoints": "ProverCheck.Checked.loop"},
            "unsafe",
        ),
        ({"Inductives whose positivity is assumed": "ProverCheck.Checked.bad"}, "positivity"),
    ],
)
def test_policy_rejects_anything_but_named_stdlib_assumptions(
    sections: dict[str, str], needle: str
) -> None:
    """Header axioms (any short name), near-miss names (of a sealed field too) and unsafe
    constants are rejected."""
    parsed = parse_context_summary(summary(**sections))
    assert isinstance(parsed, ContextSummary)
    problem = summary_problem(parsed)
    assert problem is not None and needle in problem


def test_allowed_names_are_fully_qualified_standard_library_names() -> None:
    """Every allowed axiom is a fully qualified Coq.* name, every sealed field a Coq.* or
    mathcomp.* one; the two lists do not overlap."""
    assert all(name.startswith("Coq.") and name.count(".") >= 3 for name in ALLOWED_AXIOMS)
    assert all(name.startswith(("Coq.", "mathcomp.")) for name in SEALED_LIBRARY_FIELDS)
    assert not ALLOWED_AXIOMS & SEALED_LIBRARY_FIELDS
    assert len(SEALED_LIBRARY_FIELDS) == 26 + 31


def _sources(library: str) -> Path | None:
    """Where ``library``'s sources are installed (stdlib: ``theories``)."""
    if shutil.which("coqc") is None:
        return None
    where = Path(
        subprocess.run(
            ["coqc", "-where"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    return where / "theories" if library == "Coq" else where / "user-contrib" / library


@pytest.mark.coq
@pytest.mark.parametrize(
    ("library", "relative", "module", "signature"),
    [
        ("Coq", "Reals/Rdefinitions.v", "RbaseSymbolsImpl", "RbaseSymbolsSig"),
        ("Coq", "Reals/Rdefinitions.v", "RinvImpl", "RinvSig"),
        ("Coq", "ssr/ssrunder.v", "Under_rel", "UNDER_REL"),
        ("mathcomp", "ssreflect/tuple.v", "FinTuple", "FinTupleSig"),
        ("mathcomp", "ssreflect/finfun.v", "FinfunDef", "FinfunDefSig"),
        ("mathcomp", "ssreflect/bigop.v", "BigOp", "BigOpSig"),
        ("mathcomp", "ssreflect/fintype.v", "Finite.EnumDef", "EnumSig"),
        ("mathcomp", "ssreflect/fintype.v", "CardDef", "CardDefSig"),
        ("mathcomp", "ssreflect/fintype.v", "SubsetDef", "SubsetDefSig"),
        ("mathcomp", "ssreflect/finset.v", "SetDef", "SetDefSig"),
        ("mathcomp", "ssreflect/finset.v", "Imset", "ImsetSig"),
        ("mathcomp", "ssreflect/generic_quotient.v", "Pi", "PiSig"),
        ("mathcomp", "ssreflect/generic_quotient.v", "MPi", "PiSig"),
        ("mathcomp", "ssreflect/generic_quotient.v", "Repr", "ReprSig"),
        ("mathcomp", "fingroup/perm.v", "PermDef", "PermDefSig"),
    ],
)
def test_sealed_fields_are_exactly_the_signature_fields(
    library: str, relative: str, module: str, signature: str
) -> None:
    """Each sealed library module is declared `Module M : SIG` and the list holds SIG's
    `Parameter`/`Axiom` fields, no more."""
    sources = _sources(library)
    if sources is None or not (sources / relative).is_file():
        pytest.skip(f"{library} sources not installed")
    source = (sources / relative).read_text(encoding="utf-8")
    own = module.rsplit(".", 1)[-1]
    assert re.search(rf"^Module (?:Export )?{own} : {signature}\.$", source, re.MULTILINE)
    body = source.split(f"Module Type {signature}.", 1)[1].split(f"End {signature}.", 1)[0]
    fields = set(re.findall(r"(?<![\w'])(?:Parameter|Axiom)\s+([\w']+)", body))
    prefix = f"{library}." + relative.removesuffix(".v").replace("/", ".") + f".{module}."
    listed = {
        name.removeprefix(prefix) for name in SEALED_LIBRARY_FIELDS if name.startswith(prefix)
    }
    assert listed == fields
