"""Thanh Hóa: the 1000-point district DTI index (3853/QĐ-UBND as corrected by 4162/QĐ-UBND, 2022)."""
import tomllib
from pathlib import Path

from app import hookimpl
from app.calendar import Calendar, fixed_day
from app.plugin_support import FolderPlugin
from app.plugins import PluginInfo


class ThanhHoa(FolderPlugin):
    @hookimpl
    def chiso_calendar(self, scheme):
        if self.owns(scheme):
            # The year closes with the last quarterly progress report, on 15/12; admins may move it.
            return Calendar(("year",), fixed_day(12, 15), "Ngày 15/12 (báo cáo quý cuối)")
        return None

    def _yen_dinh(self) -> dict:
        return tomllib.loads((self.folder / "yendinh_2022.toml").read_text(encoding="utf-8"))

    @hookimpl
    def chiso_history(self):
        # Yên Định's published 2022 result (decision 2148, 20/6/2023): 891.195 points, 5th.
        data = self._yen_dinh()
        return [{"scheme": "thanhhoa-huyen-2022", "period": str(data["unit"]["year"]),
                 "unit": data["unit"]["code"], "rank": data["unit"]["rank"],
                 "source": f"Quyết định số {data['unit']['decision']}",
                 "scores": {s["code"]: s["score"] for s in data["score"]}}]

    @hookimpl
    def chiso_demo(self):
        # Yên Định's own split of the indicators between its offices (its 2023 letter, seed 004).
        data = self._yen_dinh()
        # The demo unit user works for Huyện Yên Định, whose 2022 scores seed 004 publishes.
        return {"demo_unit": data["unit"]["code"], "office_assignments": [
            {"unit": data["unit"]["code"], "scheme": "thanhhoa-huyen-2022", "code": a["code"],
             "lead": a["lead"], "coordinating": a.get("coordinating", [])}
            for a in data["assignment"]]}


plugin = ThanhHoa(Path(__file__).parent,
                  PluginInfo(code="thanhhoa", province="Thanh Hóa", official_code="38",
                             version="2022.1"))
