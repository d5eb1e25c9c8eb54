"""Yên Bái: the province KPI set (2022) and the commune digital-transformation targets (plan 120/KH-UBND)."""
from pathlib import Path

from app import hookimpl
from app.calendar import Calendar, day_of_last_month, fixed_day
from app.plugin_support import FolderPlugin
from app.plugins import PluginInfo


class YenBai(FolderPlugin):
    @hookimpl
    def chiso_calendar(self, scheme):
        if scheme.code == "yenbai-kpi-2022":
            # Each KPI at its own period, due the 25th of the period's last month (25/12 for the year).
            return Calendar(("month", "quarter", "half_year", "year"), day_of_last_month(25),
                            "Ngày 25 của tháng cuối kỳ")
        if scheme.code == "yenbai-xa-2022":
            # The implementation phase ends 30/11; results are announced in December. Communes
            # also report monthly by the 25th, districts consolidate by the 27th.
            return Calendar(("year",), fixed_day(11, 30),
                            "Hết 30/11; báo cáo tháng: xã ngày 25, huyện ngày 27")
        return None

    @hookimpl
    def chiso_demo(self):
        # The demo unit user works for the Sở TT&TT, which writes the province's KPIs.
        return {"demo_unit": "yenbai.so-tttt"}


plugin = YenBai(Path(__file__).parent,
                PluginInfo(code="yenbai", province="Yên Bái", official_code="15", version="2022.1"),
                unit_files=("units.csv", "agencies.csv"))
