"""``prover trace``: replay many sources with N workers into a resumable trace directory.

Each worker thread drives its own coqtop (the replay's work is Coq's, the Python side
only parses replies). Finished sources are stored as part files at once, so a rerun
of the same command skips them; a source whose replay fails is stored with Coq's
message (and whatever was traced before the failure) and the batch goes on. At the
end the parts are merged into ``steps.jsonl.gz``, ``theorems.jsonl`` and
``manifest.json``.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from prover.backends.coq.sentences import count_endings
from prover.tracing.benchmark_filter import benchmark_statement_keys
from prover.tracing.libraries import (
    LIBRARIES,
    SourceFile,
    coq_where,
    library_files,
    run_tool,
    source_files,
)
from prover.tracing.output import FilePart, MergeSummary, TraceDirectory
from prover.tracing.replay import SourceIdentity, replay_source
from prover.tracing.session import CoqtopSession, ReplaySettings
from prover.tracing.splits import SPLIT_SHARES, split_of
from search.errors import BackendCrashed, BackendError, ConfigError, InputError
from search.process import DEFAULT_MEMORY_LIMIT_MB
from search.validation import require_output_directory

__all__ = ["FileOutcome", "TraceConfig", "run_trace", "trace_file"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class TraceConfig:
    """What to trace and how: libraries and/or source paths, output folder, workers, limits.

    ``limit_files`` keeps the first N files (in path order) of each library or source path;
    ``only_files`` keeps the library files with these paths (relative to the library root).
    """

    output: Path
    libraries: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()
    workers: int = 2
    limit_files: int | None = None
    only_files: tuple[str, ...] = ()
    coqtop_path: str = "coqtop"
    coqc_path: str = "coqc"
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
    sentence_timeout_s: float = 300.0
    start_timeout_s: float = 30.0
    command: str = ""

    def __post_init__(self) -> None:
        if not self.libraries and not self.sources:
            raise ConfigError("TraceConfig needs at least one library or source path")
        unknown = [name for name in self.libraries if name not in LIBRARIES]
        if unknown:
            known = ", ".join(LIBRARIES)
            raise ConfigError(
                f"TraceConfig.libraries: unknown {', '.join(unknown)} (known: {known})"
            )
        if self.only_files and not self.libraries:
            raise ConfigError("TraceConfig.only_files (--files) needs a library (--library)")
        if self.workers < 1:
            raise ConfigError(f"TraceConfig.workers must be >= 1, got {self.workers}")
        if self.limit_files is not None and self.limit_files < 1:
            raise ConfigError(f"TraceConfig.limit_files must be >= 1, got {self.limit_files}")
        if not self.sentence_timeout_s > 0:
            raise ConfigError(
                f"TraceConfig.sentence_timeout_s must be > 0, got {self.sentence_timeout_s!r}"
            )
        # coqtop's own settings (memory cap...) are checked now, not when the first file starts.
        self._coqtop_settings(excluded_statements=frozenset())
        require_output_directory(self.output, "trace directory")

    def replay_settings(self) -> ReplaySettings:
        """The coqtop settings shared by every file (each file adds its load-path flags)."""
        return self._coqtop_settings(excluded_statements=benchmark_statement_keys())

    def _coqtop_settings(self, *, excluded_statements: frozenset[str]) -> ReplaySettings:
        return ReplaySettings(
            coqtop_path=self.coqtop_path,
            memory_limit_mb=self.memory_limit_mb,
            start_timeout_s=self.start_timeout_s,
            sentence_timeout_s=self.sentence_timeout_s,
            excluded_statements=excluded_statements,
        )


@dataclass(frozen=True, kw_only=True)
class FileOutcome:
    """One source done in this run: its stored part."""

    source: SourceFile
    part: FilePart


def trace_file(
    source: SourceFile,
    settings: ReplaySettings,
    *,
    on_start: Callable[[CoqtopSession], None] | None = None,
) -> FilePart:
    """Replay one source file and package the result as a part (rows without ``split``)."""
    split = split_of(source.library, source.file)
    try:
        text = source.path.read_bytes().decode("utf-8")  # as Coq reads it: no newline translation
    except (OSError, UnicodeDecodeError) as exc:
        error = f"cannot read {source.path}: {exc}"
        return FilePart(
            library=source.library, file=source.file, module=source.module, split=split,
            error=error, sentences=0, elapsed_s=0.0, qed_sentences=0,
        )  # fmt: skip
    identity = SourceIdentity(library=source.library, file=source.file, module=source.module)
    trace = replay_source(
        text,
        settings=replace(settings, coqtop_args=source.coqtop_args),
        identity=identity,
        on_start=on_start,
    )
    return FilePart(
        library=source.library,
        file=source.file,
        module=source.module,
        split=split,
        error=trace.error,
        sentences=trace.sentences,
        elapsed_s=round(trace.elapsed_s, 3),
        qed_sentences=count_endings(text).get("Qed", 0),
        steps=[step.row() for step in trace.steps],
        theorems=[theorem.row() for theorem in trace.theorems],
    )


def collect_sources(config: TraceConfig) -> list[SourceFile]:
    """The files to trace, libraries first, each library or path cut to ``limit_files``."""
    groups: list[list[SourceFile]] = []
    if config.libraries:
        where = coq_where(config.coqc_path)
        for name in config.libraries:
            files = library_files(name, where=where)
            groups.append(
                [f for f in files if f.file in config.only_files] if config.only_files else files
            )
        if config.only_files:
            found = {source.file for group in groups for source in group}
            missing = [file for file in config.only_files if file not in found]
            if missing:
                raise InputError(f"--files: not in the libraries traced: {', '.join(missing)}")
    groups.extend(source_files(path) for path in config.sources)
    limit = config.limit_files
    return [source for group in groups for source in (group[:limit] if limit else group)]


class _Sessions:
    """The live coqtop sessions of the workers, so an interrupt can stop them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_thread: dict[int, CoqtopSession] = {}
        self.stopping = threading.Event()

    def register(self, session: CoqtopSession) -> None:
        with self._lock:
            self._by_thread[threading.get_ident()] = session
        if self.stopping.is_set():
            session.close()

    def close_all(self) -> None:
        self.stopping.set()
        with self._lock:
            sessions = list(self._by_thread.values())
        for session in sessions:
            session.close()


def _version_info(config: TraceConfig) -> dict[str, Any]:
    """Coq's version and the Debian versions of the traced libraries' packages."""
    info: dict[str, Any] = {"packages": {}}
    try:
        info["coq_version"] = run_tool([config.coqtop_path, "-v"]).strip().splitlines()[0]
    except (BackendError, IndexError):
        info["coq_version"] = None
    for name in config.libraries:
        package = LIBRARIES[name].package
        try:
            info["packages"][package] = run_tool(["dpkg-query", "-W", "-f=${Version}", package])
        except BackendError:
            info["packages"][package] = None
    return info


def _run_pool(
    pending: Sequence[SourceFile],
    config: TraceConfig,
    directory: TraceDirectory,
    progress: Callable[[int, int, FileOutcome], None] | None,
) -> int:
    """Trace ``pending`` with the configured workers, storing each part as it finishes."""
    settings = config.replay_settings()
    sessions = _Sessions()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=config.workers) as pool:
        futures = {
            pool.submit(trace_file, source, settings, on_start=sessions.register): source
            for source in pending
        }
        try:
            for future in concurrent.futures.as_completed(futures):
                source = futures[future]
                try:
                    part = future.result()
                except (BackendCrashed, OSError) as exc:
                    logger.error("%s %s: not traced (%s)", source.library, source.file, exc)
                    continue
                directory.write_part(part)
                done += 1
                if progress is not None:
                    progress(done, len(pending), FileOutcome(source=source, part=part))
        except BaseException:
            for future in futures:
                future.cancel()
            sessions.close_all()
            raise
    return done


def run_trace(
    config: TraceConfig, *, progress: Callable[[int, int, FileOutcome], None] | None = None
) -> MergeSummary:
    """Trace every configured source not traced yet, then merge the whole directory."""
    started = time.monotonic()
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    sources = collect_sources(config)
    directory = TraceDirectory(config.output)
    pending = [s for s in sources if not directory.is_done(s.library, s.file)]
    pending.sort(key=lambda s: s.path.stat().st_size, reverse=True)  # long files first
    logger.info("%d files, %d already traced", len(sources), len(sources) - len(pending))
    traced = _run_pool(pending, config, directory, progress)
    previous = directory.read_manifest() or {}
    run = {
        "command": config.command,
        "started": started_at,
        "wall_s": round(time.monotonic() - started, 1),
        "workers": config.workers,
        "files_traced": traced,
        "files_already_done": len(sources) - len(pending),
    }
    manifest = {
        **_version_info(config),
        "format": "prover-trace/1",
        "split_shares": dict(SPLIT_SHARES),
        "runs": [*previous.get("runs", []), run],
    }
    return directory.merge(manifest)
