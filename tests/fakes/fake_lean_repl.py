#!/usr/bin/env python3
"""A FAKE of the Lean REPL (leanprover-community/repl), for tests only.

It speaks the real wire protocol on stdin/stdout: requests are JSON objects ended
by one blank line, responses are pretty-printed over several lines (keys in reverse
alphabetical order, like Lean's ``Json.pretty``) and end with a blank line; an
extra blank line or non-JSON input ends it with exit code 1, EOF with exit code 0.

Behaviour comes from REAL recorded Lean output under ``FAKE_LEAN_DATA`` (default
``tests/fakes/data`` plus ``prover/data/statements``): root goals from ``minif2f_lean4.jsonl``
(``goal``), and tactic
transitions keyed by (theorem, tactic path) from ``traced_tactics_sample.jsonl``.
Unknown tactics get the ``invalid_tactic`` shape: a NEW proofState with ``goals: []``,
an error message and ``proofStatus: "Incomplete: contains sorry"``.

Fault injection (special tactics): ``fake_hang`` never answers, ``fake_crash`` exits
with code 137, ``fake_garbage`` prints a non-JSON block, ``fake_forget`` answers
``{"message": "Unknown proof state."}``. ``FAKE_LEAN_FORGET_AFTER=N`` makes the
process forget every proof state after N tactic requests. ``FAKE_LEAN_LOG=PATH``
appends every request as one JSON line.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from fixture_data import DEFAULT_DATA, data_file

KNOWN_MODULES = ("Mathlib", "Aesop", "Init", "Std", "Lean")
STANDARD_AXIOMS = "[propext, Classical.choice, Quot.sound]"


def load_material(data_dir: Path) -> tuple[dict[str, str], dict[tuple[str, tuple[str, ...]], str]]:
    """Root goals by theorem name, and resulting states by (theorem, tactic path)."""
    roots: dict[str, str] = {}
    for line in data_file(data_dir, "minif2f_lean4.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        roots.setdefault(record["name"], record["goal"])
    transitions: dict[tuple[str, tuple[str, ...]], str] = {}
    sample = data_file(data_dir, "traced_tactics_sample.jsonl")
    for line in sample.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        name = record["theorem"]
        if "sstrace" in record:
            steps = [(s["tactic"], s["state_after"]) for s in record["sstrace"]]
        else:
            befores = [s["state_before"] for s in record["trace"]] + ["no goals"]
            steps = [(s["tactic"], befores[i + 1]) for i, s in enumerate(record["trace"])]
        path: tuple[str, ...] = ()
        for tactic, after in steps:
            path = (*path, tactic)
            transitions.setdefault((name, path), after)
    return roots, transitions


def pretty(value: Any, indent: int = 0) -> str:
    """Lean-``Json.pretty``-like rendering: one key per line, reverse key order."""
    if isinstance(value, dict):
        pad = " " * (indent + 1)
        items = [
            f"{json.dumps(k)}: {pretty(v, indent + len(k) + 4)}"
            for k, v in sorted(value.items(), reverse=True)
        ]
        return "{" + f",\n{pad}".join(items) + "}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        pad = " " * (indent + 1)
        return "[" + f",\n{pad}".join(pretty(v, indent + 1) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def message(severity: str, data: str, line: int = 1) -> dict[str, Any]:
    """A REPL message object."""
    return {
        "severity": severity,
        "pos": {"line": line, "column": 0},
        "endPos": {"line": line, "column": 1},
        "data": data,
    }


def split_goals(state: str) -> list[str]:
    """One string per goal, as the REPL's ``goals`` list has it."""
    blocks = [b for b in state.split("\n\n") if b.strip()]
    return blocks


class FakeRepl:
    """State of one fake REPL process."""

    def __init__(self, data_dir: Path) -> None:
        self.roots, self.transitions = load_material(data_dir)
        self.next_env = 0
        self.next_proof_state = 0
        self.proof_states: dict[int, tuple[str, tuple[str, ...]]] = {}
        self.tactic_requests = 0
        self.forget_after = int(os.environ.get("FAKE_LEAN_FORGET_AFTER", "0") or 0)

    def new_env(self) -> int:
        self.next_env += 1
        return self.next_env - 1

    def new_proof_state(self, theorem: str, path: tuple[str, ...]) -> int:
        self.next_proof_state += 1
        self.proof_states[self.next_proof_state - 1] = (theorem, path)
        return self.next_proof_state - 1

    def handle(self, request: dict[str, Any]) -> dict[str, Any] | None:
        if "tactic" in request:
            return self.tactic(request["tactic"], request.get("proofState"))
        if "cmd" in request:
            return self.command(request["cmd"], request.get("env"))
        return {"message": "Could not parse as a valid JSON command"}

    def command(self, cmd: str, env: int | None) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        imports = re.findall(r"(?m)^import\s+(\S+)", cmd)
        if imports and env is not None:
            messages.append(message("error", "invalid 'import' command, it must be used first"))
        for module in imports:
            if module.split(".")[0] not in KNOWN_MODULES:
                messages.append(message("error", f"unknown module prefix '{module}'"))
        response: dict[str, Any] = {"env": self.new_env()}
        theorem = re.search(r"(?m)^theorem\s+(\S+)", cmd)
        if theorem:
            self.declaration(theorem.group(1), cmd, messages, response)
        if messages:
            response["messages"] = messages
        return response

    def declaration(
        self, name: str, cmd: str, messages: list[dict[str, Any]], response: dict[str, Any]
    ) -> None:
        """Elaborate ``theorem name ...``: a sorry opening or a complete proof."""
        if name not in self.roots or "undefined_constant" in cmd:
            messages.append(message("error", "unknown identifier 'undefined_constant'"))
            return
        body = cmd.split(":= by", 1)[1]
        proof_part = body.split("#print axioms", 1)[0]
        if proof_part.strip() == "sorry":
            proof_state = self.new_proof_state(name, ())
            response["sorries"] = [
                {
                    "proofState": proof_state,
                    "goal": self.roots[name],
                    "pos": {"line": 1, "column": 0},
                    "endPos": {"line": 1, "column": 5},
                }
            ]
            messages.append(message("warning", "declaration uses 'sorry'"))
            return
        tactics = tuple(t[2:] for t in re.split(r"\n(?=  \S)", proof_part.strip("\n")) if t.strip())
        axioms = STANDARD_AXIOMS
        if re.search(r"\bsorry\b", proof_part):
            messages.append(message("warning", "declaration uses 'sorry'"))
            axioms = "[sorryAx]"
        elif self.transitions.get((name, tactics)) != "no goals":
            messages.append(message("error", "unsolved goals\n" + self.roots[name]))
        if "native_decide" in proof_part:
            axioms = "[propext, Lean.ofReduceBool]"
        if "#print axioms" in cmd:
            line = cmd[: cmd.index("#print axioms")].count("\n") + 1
            messages.append(message("info", f"'{name}' depends on axioms: {axioms}", line))

    def tactic(self, tactic: str, proof_state: int | None) -> dict[str, Any] | None:
        self.tactic_requests += 1
        if self.forget_after and self.tactic_requests > self.forget_after:
            self.proof_states.clear()
        if tactic == "fake_hang":
            time.sleep(3600)
        if tactic == "fake_crash":
            sys.stdout.flush()
            os._exit(137)
        if tactic == "fake_garbage":
            return None
        if tactic == "fake_forget" or proof_state not in self.proof_states:
            return {"message": "Unknown proof state."}
        name, path = self.proof_states[proof_state]
        after = self.transitions.get((name, (*path, tactic)))
        new_state = self.new_proof_state(name, (*path, tactic))
        if after is None:
            error = message("error", f"fake: tactic '{tactic}' is not in the recorded material")
            return {
                "proofState": new_state,
                "goals": [],
                "messages": [error],
                "proofStatus": "Incomplete: contains sorry",
            }
        if after == "no goals":
            return {"proofState": new_state, "goals": [], "proofStatus": "Completed"}
        return {
            "proofState": new_state,
            "goals": split_goals(after),
            "proofStatus": "Incomplete: open goals remain",
        }


def read_request(stream: Any) -> str | None:
    """Lines up to a blank line (``#``/``--`` lines ignored); None at EOF."""
    lines: list[str] = []
    while True:
        line = stream.readline()
        if not line:
            return "\n".join(lines) if lines else None
        if line.strip() == "":
            if not lines:
                sys.stderr.write("uncaught exception: expected a JSON command, got a blank line\n")
                sys.exit(1)
            return "\n".join(lines)
        if not line.startswith(("#", "--")):
            lines.append(line.rstrip("\n"))


def main() -> int:
    """Serve requests until EOF."""
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    repl = FakeRepl(Path(os.environ.get("FAKE_LEAN_DATA", str(DEFAULT_DATA))))
    log_path = os.environ.get("FAKE_LEAN_LOG")
    stdin = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)  # noqa: SIM115
    while (text := read_request(stdin)) is not None:
        try:
            request = json.loads(text)
        except json.JSONDecodeError:
            sys.stderr.write(f"uncaught exception: cannot parse {text[:80]!r}\n")
            return 1
        if log_path:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(request) + "\n")
        response = repl.handle(request)
        if response is None:
            sys.stdout.write("<<garbage: not a JSON response>>\n\n")
        else:
            sys.stdout.write(pretty(response) + "\n\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
