"""``python -m prover.cli``: the same entry point as the ``prover`` command."""

from prover.cli.main import main

raise SystemExit(main())
