"""The user's whole file compiled in the sandbox as a plain ``coqc`` compiles it: the
question asked of it and the answer (``prove --file``'s names check,
:mod:`prover.backends.coq.name_resolution`, and a section theorem's first compile,
:mod:`prover.backends.coq.section_checks`)."""

from __future__ import annotations

from dataclasses import dataclass

from prover.backends.coq.checker_runs import CheckerTools, run_checker
from prover.backends.coq.environment_readings import write_folder_files
from prover.backends.coq.goals import extract_error, one_line
from search.workdirs import private_directory

__all__ = ["Question", "Refused", "compiled_output"]


@dataclass(frozen=True, kw_only=True)
class Question:
    """The theorem asked about: its place in the file, name, library and statement."""

    header: str
    name: str
    library: str
    statement: str


@dataclass(frozen=True)
class Refused:
    """Why the check refuses, before or instead of an answer."""

    why: str


def compiled_output(
    source: str, *, library: str, tools: CheckerTools, failure: str
) -> str | Refused:
    """coqc's standard output on ``source`` compiled alone as a plain ``coqc`` compiles the
    user's file (the library ``library``), or why there is none (``failure``, then Coq's
    error, when coqc refuses the file)."""
    with private_directory("coq-names-") as directory:
        (directory / f"{library}.v").write_bytes(source.encode("utf-8"))
        write_folder_files(directory, tools.folder_files)
        argv = [tools.coqc, "-q", f"{library}.v"]
        compiled = run_checker(argv, directory, tools, merge_stderr=False, traced=True)
    if isinstance(compiled, str):
        return Refused(f"coqc (the file's names) {compiled}")
    status, stdout, stderr = compiled
    if status != 0:
        error = extract_error(stderr) or extract_error(stdout) or f"exit status {status}"
        return Refused(f"{failure}: {one_line(error, limit=800)}")  # the copy's long names
    return stdout
