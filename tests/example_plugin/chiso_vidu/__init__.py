"""Tỉnh Ví Dụ (fictional): one yearly district scheme, with a scoring method of its own."""
from decimal import Decimal
from pathlib import Path

from app import hookimpl
from app.calendar import Calendar, fixed_day
from app.plugin_support import FolderPlugin
from app.plugins import PluginInfo
from app.scoring.methods import ScoringMethod


def _steps(row, entry, context):
    """Half the points from 50 (%), all of them from 90; below 50 nothing."""
    value = entry.measured()
    if value is None:
        return None
    if value >= 90:
        return row.max_points
    return row.max_points / 2 if value >= 50 else Decimal(0)


class ViDu(FolderPlugin):
    @hookimpl
    def chiso_calendar(self, scheme):
        if self.owns(scheme):
            # Districts report a year by 15 February of the next year.
            return Calendar(("year",), fixed_day(2, 15, years_after=1), "Ngày 15/02 năm sau")
        return None

    @hookimpl
    def chiso_scoring_methods(self):
        return [ScoringMethod("vidu_steps", "Theo bậc 50% / 90%", "percent", _steps)]


plugin = ViDu(Path(__file__).parent,
              PluginInfo(code="vidu", province="Ví Dụ", official_code="98", version="0.1.0"))
