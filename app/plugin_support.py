"""Small helpers a plugin may use to read its data files."""
from __future__ import annotations

import csv
from pathlib import Path


def read_units(*paths: Path) -> list[dict]:
    """Rows of one or more unit files (docs/units-format.md), in file order."""
    rows: list[dict] = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            rows.extend(dict(row) for row in csv.DictReader(handle))
    return rows


def scheme_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.toml"))
