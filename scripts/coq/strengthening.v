(* coq/coq#21051's module layout (upstream's reproducer): a functor whose body aliases an
   inner module, inside a module that is included, then applied twice. Coq 8.16.1's kernel
   and coqchk give RES.G.bug and RES'.G.bug one canonical name, though they are true and
   false. Shared by scripts/build_coqchk.sh's self-test and tests/soundness/test_fixed_checker.py. *)
Module Type T. Parameter n : bool. End T.
Module M. Definition n := true. End M.
Module M'. Definition n := false. End M'.
Module MAKE. Module FUN (E : T). Module F. Definition bug := E.n. End F. Module G := F.
End FUN. End MAKE.
Include MAKE.
Module RES := FUN M.
Module RES' := FUN M'.
