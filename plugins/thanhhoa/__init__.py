"""Thanh Hóa: the 1000-point district DTI index (3853/QĐ-UBND as corrected by 4162/QĐ-UBND, 2022)."""
import tomllib
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


def _yen_dinh() -> dict:
    return tomllib.loads((HERE / "yendinh_2022.toml").read_text(encoding="utf-8"))


@hookimpl
def chiso_history():
    # Yên Định's published 2022 result (decision 2148, 20/6/2023): 891.195 points, 5th district.
    data = _yen_dinh()
    return [{"scheme": "thanhhoa-huyen-2022", "period": str(data["unit"]["year"]),
             "unit": data["unit"]["code"], "rank": data["unit"]["rank"],
             "scores": {s["code"]: s["score"] for s in data["score"]}}]


@hookimpl
def chiso_demo():
    # Yên Định's own split of the indicators between its offices (its 2023 letter, seed 004).
    data = _yen_dinh()
    return {"office_assignments": [
        {"unit": data["unit"]["code"], "scheme": "thanhhoa-huyen-2022", "code": a["code"],
         "lead": a["lead"], "coordinating": a.get("coordinating", [])}
        for a in data["assignment"]]}
