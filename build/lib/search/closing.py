"""One context-manager base for everything that holds a process, a file or a connection."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Closing"]


class Closing:
    """``with obj:`` calls ``obj.close()`` on the way out, whatever happened inside.

    Subclasses implement an idempotent :meth:`close`.
    """

    def close(self) -> None:
        """Release what the object holds (subclasses override; must be idempotent)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
