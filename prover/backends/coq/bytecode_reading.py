"""The bytecode coqc's reading of a header and statement (red-team rounds 97 and 100).

A bytecode program keeps its stack in the heap, up to a limit in words that does not depend
on the environment, and overflows without a ``SIGSEGV``; plugin code that catches every
exception (ssreflect's ``apply:``) then reads a header otherwise than native coqc does
(round ninety-seven: ``b`` read 1 natively under a 5 MB stack and 0 under ``coqc.byte`` at
any ``ulimit -s``). So the text the statement's meaning rests on (the header and the
statement, ended by ``Abort.``) is compiled by the ``coqc.byte`` installed beside ``coqc``,
traced (:mod:`prover.backends.coq.limit_trace`), under its default stack limit forced by
:data:`~prover.backends.coq.limit_trace.BYTECODE_PARAMETERS`: it must pass and its stack must
never grow to the limit. A run that reaches no limit computes what the native one does; the
proof itself is the native compile's and coqchk's, so it is not compiled again (a bytecode
coqc may need a larger stack for the proof's tactics and reject a valid proof, red-team
round 102; it cannot prove another statement).

The reading is compiled under the name the user's file has (``prove --file``: its library,
as a plain ``coqc`` names it), not the checked file's: a header can make its stack depth
depend on the file's own name (red-team round one hundred and one: ``firstorder`` picks a
witness by module path, round ninety-eight, and only under names sorting after ``Wf`` does a
hint recurse deep enough to overflow the bytecode stack, so the reading as ``Checked`` passed
while ``coqc.byte X.v`` read the opposite). Each limit is checked at the user's value of
every other thing the reading depends on.

Skipped: where no ``coqc.byte`` is installed, and for a file that loads a plugin installed
for native code only (Debian's CoqHammer): no bytecode coqc of this installation can compile
it. That skip is decided from coqc.byte's own last error and the file system, after its
stack report, never from text a header can print anywhere (round one hundred printed the
Dynlink message in a deprecation warning and had the reading skipped).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from prover.backends.coq.checker_runs import (
    CheckerTools,
    coqc_command,
    coqc_problem,
    run_checker,
    users_file,
)
from prover.backends.coq.environment_readings import write_folder_files
from prover.backends.coq.goals import extract_error, one_line
from prover.backends.coq.limit_trace import bytecode_stack_problem
from search.workdirs import private_directory

__all__ = [
    "beside_bytecode_reading",
    "bytecode_beside",
    "bytecode_reading_problem",
    "native_only_plugin",
]

_Result = TypeVar("_Result")

_RUNTIME_REPORT = re.compile(r"^(?:Growing|Shrinking|Initial) [^\n]*$")
_ERROR_PLACE = re.compile(r'^File "\./(\w+)\.v", line \d+, characters \d+-\d+:$')
_MISSING_PLUGIN = re.compile(
    r'^Dynlink error: error loading shared library: Sys_error\("(/[^"\n]+)\.cma: '
    r'No such file or directory"\)$'
)

_PASSED_READINGS: set[str] = set()
"""Keys (:func:`_reading_key`) of the readings the bytecode coqc passed in this process: an
eval's attempts and a server's requests at one theorem read the same header and statement,
and the verdict is the same each time (a refusal, which may be a spent budget, is not kept)."""
_PASSED_READINGS_KEPT = 1024


def beside_bytecode_reading(
    check: Callable[[], _Result], reading: str, tools: CheckerTools, *, library: str | None
) -> tuple[_Result, str | None]:
    """``check()`` (the native checks) and :func:`bytecode_reading_problem` run at once, on
    two threads: they are independent, and the machine's second core hides the slower
    bytecode compile. Both finish before this returns."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bytecode-reading") as pool:
        bytecode = pool.submit(bytecode_reading_problem, reading, tools, library=library)
        result = check()
        return result, bytecode.result()


def bytecode_beside(coqc: str) -> Path:
    """The bytecode coqc installed beside the native ``coqc`` (``coqc.byte``), there or not."""
    native = Path(coqc)
    return native.with_name(f"{native.name}.byte")


def bytecode_reading_problem(
    reading: str, tools: CheckerTools, *, library: str | None
) -> str | None:
    """Why the ``coqc.byte`` beside ``tools.coqc`` may read ``reading`` (the header and the
    statement, ended by ``Abort.``) otherwise than native coqc, or None (see the module
    docstring). ``library``: the user's file's library name, compiled as a plain ``coqc``
    compiles that file; None (a theorem not read from a file): as the checked file, a
    plain ``Checked.v`` (:func:`~prover.backends.coq.checker_runs.users_file`)."""
    bytecode = bytecode_beside(tools.coqc)
    if not bytecode.is_file():
        return None
    key = _reading_key(str(bytecode), reading, tools, library)
    if key in _PASSED_READINGS:  # another attempt at the same theorem, in this process
        return None
    checked = users_file(library)  # compiled as the full check compiles the file
    name = checked.module
    with private_directory("coq-verify-bytecode-") as directory:
        (directory / f"{name}.v").write_bytes(reading.encode("utf-8"))
        write_folder_files(directory, tools.folder_files)
        argv = coqc_command(str(bytecode), checked=checked)
        compiled = run_checker(
            argv, directory, tools, merge_stderr=False, traced=True, bytecode=True
        )
    problem = coqc_problem(compiled, tools)
    if not isinstance(compiled, str):  # its errors and the stack report are in stderr
        status, _, stderr = compiled
        stack = bytecode_stack_problem(stderr)
        if stack is None and status != 0 and native_only_plugin(stderr, name) is not None:
            return None  # no bytecode coqc here can read the file at all
        problem = stack or (problem and f"{problem}: {one_line(extract_error(stderr) or stderr)}")
    if problem is None:
        if len(_PASSED_READINGS) >= _PASSED_READINGS_KEPT:
            _PASSED_READINGS.clear()
        _PASSED_READINGS.add(key)
        return None
    return f"the bytecode {bytecode.name} does not read the file alike: {problem}"


def native_only_plugin(stderr: str, module: str) -> str | None:
    """The plugin coqc.byte stopped at, when its last error is that the plugin has no
    bytecode form here (a ``.cmxs`` beside the missing ``.cma``), or None.

    Read from the end of stderr, without the runtime's reports: the last three lines must be
    the error's place in the compiled file (``module``.v), ``Error:`` and the Dynlink
    message, exactly."""
    lines = [line for line in stderr.splitlines() if line and not _RUNTIME_REPORT.match(line)]
    if len(lines) < 3 or lines[-2] != "Error:":
        return None
    place = _ERROR_PLACE.match(lines[-3])
    if place is None or place.group(1) != module:
        return None
    missing = _MISSING_PLUGIN.match(lines[-1])
    if missing is None:
        return None
    plugin = Path(missing.group(1))
    cmxs, cma = plugin.with_name(plugin.name + ".cmxs"), plugin.with_name(plugin.name + ".cma")
    return str(plugin) if cmxs.is_file() and not cma.exists() else None


def _reading_key(bytecode: str, reading: str, tools: CheckerTools, library: str | None) -> str:
    """sha256 of everything the bytecode reading depends on: the program, the text, the
    file's name, the folder's copied files, the memory cap, the stack limit and the
    sandbox."""
    digest = hashlib.sha256()
    parts = [bytecode, reading, str(library), str(tools.memory_limit_mb), str(tools.stack_limit_mb)]
    parts.append(tools.sandbox)
    for name, content in tools.folder_files:
        parts.extend((name, hashlib.sha256(content).hexdigest()))
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
