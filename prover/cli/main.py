"""The ``prover`` command line: a thin layer that builds configs and calls the library.

Logging is configured here and only here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from prover.cli.flag_errors import FLAG_NAMES, flag_names
from search.errors import ProverError

__all__ = ["build_parser", "main"]

logger = logging.getLogger("prover")

#: Modules defining a subcommand through ``register(commands)``; each imports only light
#: modules at import time and loads heavy ones inside its handler.
COMMAND_MODULES = (
    "prover.cli.prove",
    "prover.cli.eval",
    "prover.cli.report",
    "prover.cli.setup",
    "prover.cli.serve",
    "prover.cli.assist",
    "prover.cli.train",
    "prover.cli.train_generator",
    "prover.cli.trace",
)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks close every environment.

    A BaseException (like KeyboardInterrupt) so that no ``except Exception`` swallows it.
    """


def _raise_terminated(signum: int, frame: object) -> None:
    del signum, frame
    raise Terminated


def build_parser() -> argparse.ArgumentParser:
    """The full ``prover`` argument parser."""
    parser = argparse.ArgumentParser(prog="prover", description=__doc__)
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")
    commands = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    for subcommand in commands.choices.values():
        subcommand.set_defaults(**{FLAG_NAMES: flag_names(subcommand)})
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``prover`` command; returns the exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(arguments.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Callable[[argparse.Namespace], int] = arguments.handler
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        return handler(arguments)
    except ProverError as exc:
        print(f"prover: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prover: interrupted; results written so far are kept", file=sys.stderr)
        return 130
    except Terminated:
        print("prover: terminated; results written so far are kept", file=sys.stderr)
        return 143
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
