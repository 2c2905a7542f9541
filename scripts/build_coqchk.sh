#!/usr/bin/env bash
# Build coqchk-fixed: Debian's Coq 8.16.1 kernel checker with the fixes for two kernel bugs
# that stock 8.16.1 (coqc and coqchk alike) has and that red-team rounds 24-28 used to have
# false statements verified (docs/soundness.md):
#   coq/coq#22378, let-ins in a constructor context shift the relevance of outer variables
#     (rocq-prover/rocq#22379 ported: scripts/coq/coqchk-22378.patch);
#   coq/coq#21051, module strengthening gives a functor's constants wrong canonical names
#     (rocq-prover/rocq#21057 ported, plus a checker-side check that every canonical name a
#     term, a constructor type or an inductive's parameters and indices use is declared,
#     since the .vo files come from the unfixed coqc: scripts/coq/coqchk-21051.patch);
#   rocq-prover/rocq#22510, module subtyping does not compare the numbers of recursively
#     uniform parameters of an inductive type, which with propositional extensionality
#     gives False on later Rocq (rocq-prover/rocq#22494 ported: scripts/coq/coqchk-22510.patch;
#     8.16.1's guard checker refuses the upstream exploit, red-team round seventy-six, but
#     its checker accepted a functor applied to such a module when the result was sealed).
# and one gap of its context summary that red-team rounds 17, 20 and 30 went through:
#   an opaquely sealed module's field records only the axioms its own body names, so an axiom,
#   a declared module's field, an unguarded fixpoint or a non-positive inductive type one
#   definition further down in the implementation (or in a record's defined field) was
#   listed nowhere (scripts/coq/coqchk-sealed-assumptions.patch: followed
#   through the bodies of the checked library's own constants).
# Only the checker is built, from Debian's own source package (under a minute); it is
# installed as /usr/local/bin/coqchk-fixed and must refuse the first two bugs' false proofs
# and the third's mismatched module, which stock coqchk accepts, list the sealed
# assumptions, and accept honest files. Idempotent: a
# second run only self-tests.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
TARGET=/usr/local/bin/coqchk-fixed
PATCHES="coqchk-22378.patch coqchk-21051.patch coqchk-sealed-assumptions.patch coqchk-22510.patch"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

write_self_tests() {
    cat > "$1/Let.v" <<'COQ'
Definition sU : SProp := forall P : SProp, P -> P.
Definition s0 : sU := fun P p => p.
Inductive pwl : Type := pack (x y : nat) (g : sU := s0) (h : sU := s0).
Definition lft (p : pwl) : nat := match p with pack x y => x end.
Definition rgt (p : pwl) : nat := match p with pack x y => y end.
Definition collision (p : pwl) : lft p = rgt p := eq_refl.
COQ
    local strengthening="$REPO/scripts/coq/strengthening.v"
    { cat "$strengthening"; cat <<'COQ'; } > "$1/Strength.v"
Lemma collision : RES.G.bug = RES'.G.bug.
Proof. reflexivity. Qed.
COQ
    { cat "$strengthening"; cat <<'COQ'; } > "$1/Index.v"
Unset Elimination Schemes.
Inductive J1 : (if RES.G.bug then nat else bool) -> Prop := j1 : J1 5.
Inductive D3 : ((if RES'.G.bug then nat else bool) -> Prop) -> Prop := mk3 : D3 J1.
COQ
    cp "$REPO/scripts/coq/uniform_parameters.v" "$1/Uniform.v"
    cat > "$1/Sealed.v" <<'COQ'
Module Type U. Parameter q : 1 = 2. End U.
Module M : U. Axiom ax : 1 = 2. Definition d := ax. Definition q := d. End M.
Module Type T. Axiom bad : 1 = 2. End T.
Module M2 : U. Declare Module X : T. Definition d := X.bad. Definition q := d. End M2.
Module M3 : U.
Unset Guard Checking. Fixpoint f (n : nat) : 1 = 2 := f n. Set Guard Checking.
Definition q := f 0.
End M3.
Module M4 : U.
#[bypass_check(positivity)] Inductive Bad := mk : (Bad -> False) -> Bad.
Definition neg (b : Bad) : False := match b with mk h => h b end.
Definition q : 1 = 2 := False_ind _ (neg (mk neg)).
End M4.
Module M5 : U.
Axiom ax : 1 = 2.
Record R := { a : nat ; b : 1 = 2 := ax }.
Definition q : 1 = 2 := match Build_R 0 with Build_R _ b => b end.
End M5.
COQ
    cat > "$1/Honest.v" <<'COQ'
Record R := { a : nat ; b : nat := a }.
Definition get (r : R) : nat := match r with Build_R a => a end.
Theorem u : get {| a := 3 |} = 3. Proof. reflexivity. Qed.
Module Type T. Parameter n : bool. End T.
Module MAKE. Module FUN (E : T). Definition m := E.n. End FUN. End MAKE.
Include MAKE.
Module N. Definition n := true. End N.
Module RES := FUN N.
Theorem v : RES.m = true. Proof. reflexivity. Qed.
Module Type V. Parameter w : 1 = 1. End V.
Module W : V. Lemma aux : 1 = 1. Proof. reflexivity. Qed. Definition w := aux. End W.
COQ
}

self_test() {
    # The checker must refuse each bug's false proof, and #22510's module whose inductive
    # type's uniform parameters differ from its signature's (compiled by the installed coqc,
    # which accepts them all), list the five assumptions hidden in sealed implementations, and accept
    # an honest file (a let-in field, an Include, a sealed module) with no axiom listed.
    local work verdict=0
    work="$(mktemp -d)"
    write_self_tests "$work"
    (cd "$work" && for file in Let Strength Index Uniform Sealed Honest; do coqc -q -Q . S "$file.v"; done)
    for file in Let Strength Index Uniform; do
        if (cd "$work" && "$1" -silent -Q . S -norec "S.$file" >/dev/null 2>&1); then
            echo "build_coqchk: $1 accepts $file.v, which it must refuse" >&2
            verdict=1
        fi
    done
    local summary
    summary="$(cd "$work" && "$1" -silent -o -Q . S -norec S.Sealed 2>&1 || true)"
    for hidden in S.Sealed.M.ax S.Sealed.M2.X.bad S.Sealed.M3.f S.Sealed.M4.q S.Sealed.M5.ax; do
        if ! grep -q "^ *$hidden\$" <<<"$summary"; then
            echo "build_coqchk: $1 does not list $hidden, hidden in a sealed module" >&2
            verdict=1
        fi
    done
    if ! summary="$(cd "$work" && "$1" -silent -o -Q . S -norec S.Honest 2>&1)"; then
        echo "build_coqchk: $1 refuses an honest file" >&2
        verdict=1
    elif ! grep -q "Axioms: <none>" <<<"$summary"; then
        echo "build_coqchk: $1 lists an axiom in an honest file" >&2
        verdict=1
    fi
    rm -rf "$work"
    return "$verdict"
}

if [ -x "$TARGET" ] && self_test "$TARGET" 2>/dev/null; then
    echo "build_coqchk: $TARGET ready (refuses coq/coq#22378, #21051 and rocq#22510, lists sealed assumptions)"
    exit 0
fi

COQ_VERSION="$(coqc --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')"
if [ "$COQ_VERSION" != "8.16.1" ]; then
    echo "build_coqchk: the patches are for Coq 8.16.1, found $COQ_VERSION" >&2
    exit 1
fi
if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    if [ ! -f /etc/apt/sources.list.d/debian.sources ]; then
        echo "build_coqchk: no Debian source index (deb-src) and no debian.sources to copy" >&2
        exit 1
    fi
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        | $SUDO tee /etc/apt/sources.list.d/prover-deb-src.sources >/dev/null
fi
echo "build_coqchk: building coqchk 8.16.1 with the fixes for coq/coq#22378, #21051 and rocq#22510 and the sealed-assumptions summary"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    dpkg-dev patch gcc make ocaml-nox ocaml-findlib ocaml-dune libzarith-ocaml-dev >/dev/null
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
(
    cd "$BUILD"
    apt-get source -qq coq=8.16.1+dfsg-1 >/dev/null 2>&1 || apt-get source -qq coq >/dev/null
    cd coq-8.16.1+dfsg
    for patch_file in $PATCHES; do
        patch -p1 --quiet < "$REPO/scripts/coq/$patch_file"
    done
    ./configure -prefix=/usr -libdir=/usr/lib/ocaml/coq -mandir=/usr/share/man >/dev/null
    dune build --profile=release -j 2 checker/coqchk.exe 2>/dev/null
)
$SUDO install -m 0755 "$BUILD/coq-8.16.1+dfsg/_build/default/checker/coqchk.exe" "$TARGET"
self_test "$TARGET"
echo "build_coqchk: installed $TARGET (refuses coq/coq#22378, #21051 and rocq#22510, lists sealed assumptions)"
