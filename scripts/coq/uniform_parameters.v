(* rocq-prover/rocq#22510's precondition: M.box has no recursively uniform parameter, SIG.box
   one; Coq 8.16.1's module subtyping compares only the parameter counts, so Fn's T2, nested
   in X.box and positive against SIG.box, is built on M.box, where it is not. Later Rocq
   derives False from it with propositional extensionality; 8.16.1's coqc and stock coqchk
   accept the sealed application. Shared by scripts/build_coqchk.sh's self-test and
   tests/soundness/test_fixed_checker.py. *)
Unset Elimination Schemes.
Module Type SIG.
Inductive box (F : unit -> Prop) : Prop := Box (_ : F tt) | Box2 (_ : False) (_ : box F).
End SIG.
Module M.
Inductive box (F : unit -> Prop) : Prop :=
  Box (_ : F tt) | Box2 (_ : False) (_ : box (fun u => F u)).
End M.
Module Fn (X : SIG). Inductive T2 : Prop := I2 (_ : X.box (fun _ => False -> T2)). End Fn.
Module Type EMPTY. End EMPTY.
Module G : EMPTY := Fn M.
