"""Điện Biên: department and district DTI indices (decision 2001/QĐ-UBND, 31/10/2022)."""
from pathlib import Path

from app import hookimpl
from app.calendar import Calendar, fixed_day
from app.plugin_support import read_units, scheme_files
from app.plugins import PluginInfo

HERE = Path(__file__).parent
CODE = "dienbien"


@hookimpl
def chiso_plugin():
    return PluginInfo(code=CODE, province="Điện Biên", official_code="11", version="2022.1")


@hookimpl
def chiso_schemes():
    return scheme_files(HERE / "schemes")


@hookimpl
def chiso_units():
    return read_units(HERE / "units.csv", HERE / "agencies.csv")


@hookimpl
def chiso_calendar(scheme):
    if scheme.plugin == CODE:
        # Units submit by 30/01 of the next year; appraisal and publication follow in Q1.
        return Calendar(("year",), fixed_day(1, 30, years_after=1), "Ngày 30/01 năm sau")
    return None
