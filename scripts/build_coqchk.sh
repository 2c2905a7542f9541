#!/usr/bin/env bash
# Build coqchk-22378: Debian's Coq 8.16.1 kernel checker with the fix for coq/coq#22378
# (rocq-prover/rocq#22379 ported to 8.16.1: scripts/coq/coqchk-22378.patch). Stock 8.16.1's
# kernel and coqchk misread the relevance of variables under a match on a constructor with
# let-ins and accept false proofs (docs/soundness.md, red-team rounds 24-26); verification's
# last check runs this binary. Only the checker is built, from Debian's own source package
# (about a minute); it is installed as /usr/local/bin/coqchk-22378 and must refuse the
# round-24 reproducer that stock coqchk accepts. Idempotent: a second run only self-tests.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
TARGET=/usr/local/bin/coqchk-22378
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

self_test() {
    # The checker must refuse coq/coq#22378's consequence (0 = 1 by eq_refl) and accept
    # an honest record with a let-in field; both compiled by the installed coqc.
    local work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    cat > "$work/Bug.v" <<'COQ'
Definition sU : SProp := forall P : SProp, P -> P.
Definition s0 : sU := fun P p => p.
Inductive pwl : Type := pack (x y : nat) (g : sU := s0) (h : sU := s0).
Definition lft (p : pwl) : nat := match p with pack x y => x end.
Definition rgt (p : pwl) : nat := match p with pack x y => y end.
Definition collision (p : pwl) : lft p = rgt p := eq_refl.
COQ
    cat > "$work/Honest.v" <<'COQ'
Record R := { a : nat ; b : nat := a }.
Definition get (r : R) : nat := match r with Build_R a => a end.
Theorem u : get {| a := 3 |} = 3. Proof. reflexivity. Qed.
COQ
    (cd "$work" && coqc -q -Q . S Bug.v && coqc -q -Q . S Honest.v)
    if (cd "$work" && "$1" -silent -Q . S -norec S.Bug >/dev/null 2>&1); then
        echo "build_coqchk: $1 accepts coq/coq#22378's false proof" >&2
        return 1
    fi
    if ! (cd "$work" && "$1" -silent -Q . S -norec S.Honest >/dev/null 2>&1); then
        echo "build_coqchk: $1 refuses an honest file" >&2
        return 1
    fi
}

if [ -x "$TARGET" ] && self_test "$TARGET"; then
    echo "build_coqchk: $TARGET ready (refuses coq/coq#22378)"
    exit 0
fi

COQ_VERSION="$(coqc --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')"
if [ "$COQ_VERSION" != "8.16.1" ]; then
    echo "build_coqchk: the patch is for Coq 8.16.1, found $COQ_VERSION" >&2
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
echo "build_coqchk: building coqchk 8.16.1 with the fix for coq/coq#22378"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    dpkg-dev patch gcc make ocaml-nox ocaml-findlib ocaml-dune libzarith-ocaml-dev >/dev/null
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
(
    cd "$BUILD"
    apt-get source -qq coq=8.16.1+dfsg-1 >/dev/null 2>&1 || apt-get source -qq coq >/dev/null
    cd coq-8.16.1+dfsg
    patch -p1 --quiet < "$REPO/scripts/coq/coqchk-22378.patch"
    ./configure -prefix=/usr -libdir=/usr/lib/ocaml/coq -mandir=/usr/share/man >/dev/null
    dune build --profile=release -j 2 checker/coqchk.exe 2>/dev/null
)
$SUDO install -m 0755 "$BUILD/coq-8.16.1+dfsg/_build/default/checker/coqchk.exe" "$TARGET"
self_test "$TARGET"
echo "build_coqchk: installed $TARGET (refuses coq/coq#22378)"
