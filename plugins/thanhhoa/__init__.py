"""Thanh Hóa: the 1000-point district DTI index (3853/QĐ-UBND as corrected by 4162/QĐ-UBND, 2022)."""
from pathlib import Path

from app import hookimpl
from app.calendar import Calendar, fixed_day
from app.plugin_support import read_units, scheme_files
from app.plugins import PluginInfo

HERE = Path(__file__).parent
CODE = "thanhhoa"


@hookimpl
def chiso_plugin():
    return PluginInfo(code=CODE, province="Thanh Hóa", official_code="38", version="2022.1")


@hookimpl
def chiso_schemes():
    return scheme_files(HERE / "schemes")


@hookimpl
def chiso_units():
    return read_units(HERE / "units.csv")


@hookimpl
def chiso_calendar(scheme):
    if scheme.plugin == CODE:
        # The year closes with the last quarterly progress report, on 15/12; admins may move it.
        return Calendar(("year",), fixed_day(12, 15), "Ngày 15/12 (báo cáo quý cuối)")
    return None
