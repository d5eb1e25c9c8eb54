"""Small helpers a plugin may use to read its data files."""
from __future__ import annotations

import csv
from pathlib import Path

from app.hookspecs import hookimpl
from app.unit_rows import UnitRow


def read_units(*paths: Path) -> list[dict]:
    """Rows of one or more unit files (docs/units-format.md), in file order."""
    rows: list[dict] = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            # Each row remembers its file and line, for the messages of app.unit_rows.
            rows.extend(UnitRow(row, _shown(path), reader.line_num) for row in reader)
    return rows


def _shown(path) -> str:
    """The file as a message names it: the plugin's folder and the file's name."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def scheme_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.toml"))


class FolderPlugin:
    """A plugin whose data sits in its own folder: ``schemes/*.toml`` and unit CSV files.

    Subclass it, add the hooks the province needs (its calendar at least), and point the
    ``chiso.plugins`` entry point at an instance."""

    def __init__(self, folder: Path, info, unit_files: tuple[str, ...] = ("units.csv",)):
        self.folder = Path(folder)
        self.info = info
        self.unit_files = unit_files

    @hookimpl
    def chiso_plugin(self):
        return self.info

    @hookimpl
    def chiso_schemes(self):
        return scheme_files(self.folder / "schemes")

    @hookimpl
    def chiso_units(self):
        return read_units(*(self.folder / name for name in self.unit_files))

    def owns(self, scheme) -> bool:
        return scheme.plugin == self.info.code
