"""The knn model directory: what ``prover train-generator --kind knn`` writes and the
``knn`` generator reads.

Layout of MODEL_DIR (numpy arrays via :func:`numpy.save`, no pickles)::

    kind.json          {"kind": "knn", "format": 1}
    settings.json      retrieval settings (neighbours, aggregation)
    index/*.npy        the FeatureIndex (vocabulary, CSR rows, posting lists)
    tactic_ids.npy     per row, its tactic's position in tactics.json
    tactics.json       the distinct tactics (normalised, without the final period)
    states.npy         UTF-8 bytes of every row's state text, with state_offsets.npy
    holes.npy          per row, the source hypotheses its tactic names (space-separated),
                       with hole_offsets.npy: a row needs adapting only if one is missing
    calibration.json   rank/similarity -> log hit rate, fitted on the valid split
    metrics.json       offline metrics; manifest.json: data sources, counts, timings
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.retrieval.calibration import Calibration
from models.retrieval.index import FeatureIndex, save_array
from models.retrieval.kind import FORMAT, KIND, check_knn_directory
from models.retrieval.settings import RetrievalSettings
from search.errors import GeneratorError

__all__ = ["KIND", "KnnModel", "RetrievalSettings", "StateTexts", "check_knn_directory"]


class StateTexts:
    """Many texts in one UTF-8 byte array plus offsets (memory-mapped on load)."""

    def __init__(self, data: NDArray[np.uint8], offsets: NDArray[np.int64]) -> None:
        self.data = data
        self.offsets = offsets

    @classmethod
    def from_texts(cls, texts: list[str]) -> StateTexts:
        """Pack ``texts``."""
        encoded = [text.encode("utf-8") for text in texts]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return cls(data, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> str:
        start, end = int(self.offsets[index]), int(self.offsets[index + 1])
        return bytes(self.data[start:end]).decode("utf-8")


@dataclass(frozen=True, eq=False)
class KnnModel:
    """Everything the knn generator loads: index, per-row tactics and states, calibration."""

    index: FeatureIndex
    tactics: list[str]
    tactic_ids: NDArray[np.int32]
    states: StateTexts
    holes: StateTexts
    calibration: Calibration
    settings: RetrievalSettings

    def save(self, directory: Path, *, manifest: dict[str, Any] | None = None) -> None:
        """Write the model directory (kind.json last, so a partial write is not a model)."""
        directory.mkdir(parents=True, exist_ok=True)
        self.index.save(directory / "index")
        save_array(directory / "tactic_ids.npy", self.tactic_ids)
        save_array(directory / "states.npy", self.states.data)
        save_array(directory / "state_offsets.npy", self.states.offsets)
        save_array(directory / "holes.npy", self.holes.data)
        save_array(directory / "hole_offsets.npy", self.holes.offsets)
        _write_json(directory / "tactics.json", self.tactics)
        _write_json(directory / "settings.json", asdict(self.settings))
        _write_json(directory / "calibration.json", self.calibration.to_json())
        if manifest is not None:
            _write_json(directory / "manifest.json", {"kind": KIND, **manifest})
        _write_json(directory / "kind.json", {"kind": KIND, "format": FORMAT})

    @classmethod
    def load(cls, directory: Path) -> KnnModel:
        """Read a model directory written by :meth:`save`."""
        check_knn_directory(directory)
        index = FeatureIndex.load(directory / "index")
        try:
            tactic_ids = np.load(directory / "tactic_ids.npy", allow_pickle=False)
            data = np.load(directory / "states.npy", mmap_mode="r", allow_pickle=False)
            offsets = np.load(directory / "state_offsets.npy", allow_pickle=False)
            holes = StateTexts(
                np.load(directory / "holes.npy", allow_pickle=False),
                np.load(directory / "hole_offsets.npy", allow_pickle=False),
            )
            tactics = json.loads((directory / "tactics.json").read_text(encoding="utf-8"))
            settings = RetrievalSettings(
                **json.loads((directory / "settings.json").read_text(encoding="utf-8"))
            )
        except (OSError, ValueError, TypeError) as exc:
            raise GeneratorError(f"{directory}: broken knn model directory: {exc}") from exc
        rows = index.num_rows
        if len(tactic_ids) != rows or len(offsets) != rows + 1 or len(holes) != rows:
            raise GeneratorError(f"{directory}: the knn arrays disagree on the number of rows")
        calibration = Calibration.load(directory / "calibration.json")
        return cls(
            index=index,
            tactics=[str(t) for t in tactics],
            tactic_ids=tactic_ids,
            states=StateTexts(data, offsets),
            holes=holes,
            calibration=calibration,
            settings=settings,
        )


def _write_json(path: Path, value: Any) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
