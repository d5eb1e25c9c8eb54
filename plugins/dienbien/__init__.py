"""Điện Biên: department and district DTI indices (decision 2001/QĐ-UBND, 31/10/2022)."""
from pathlib import Path

from app import hookimpl
from app.calendar import Calendar, fixed_day
from app.plugin_support import FolderPlugin
from app.plugins import PluginInfo


class DienBien(FolderPlugin):
    @hookimpl
    def chiso_calendar(self, scheme):
        if self.owns(scheme):
            # Units submit by 30/01 of the next year; appraisal and publication follow in Q1.
            return Calendar(("year",), fixed_day(1, 30, years_after=1), "Ngày 30/01 năm sau")
        return None

    @hookimpl
    def chiso_demo(self):
        # The demo unit user's unit (the Sở TT&TT); and the demo on the 2025 communes is ours:
        # Điện Biên kept its borders, so its current communes are its own.
        return {"demo_unit": "dienbien.so-tttt", "commune_scheme": True}


plugin = DienBien(Path(__file__).parent,
                  PluginInfo(code="dienbien", province="Điện Biên", official_code="11",
                             version="2022.1"),
                  unit_files=("units.csv", "agencies.csv"))
