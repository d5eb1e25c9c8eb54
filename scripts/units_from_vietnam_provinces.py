"""Write a plugin's units.csv from the 2022 state of the administrative divisions.

Run once, by hand, with `vietnam-provinces==0.5.0` installed in a throw-away environment:
that release holds the divisions as they stood in 2022 (before the 2024-2025 mergers).
The application itself never imports it.

    python scripts/units_from_vietnam_provinces.py tinh_yen_bai plugins/yenbai/units.csv
"""
import csv
import json
import sys
from importlib import resources

UNIT_TYPES = {
    "tỉnh": "tinh",
    "thành phố trung ương": "tinh",
    "huyện": "huyen",
    "thị xã": "huyen",
    "thành phố": "huyen",
    "quận": "huyen",
    "xã": "xa",
    "phường": "phuong",
    "thị trấn": "thi_tran",
}
VALID_FROM = "2022-01-01"


def rows(province):
    yield province["code"], 2, province, None
    for district in province["districts"]:
        yield district["code"], 3, district, f'{province["code"]:02d}'
        for ward in district["wards"]:
            yield ward["code"], 5, ward, f'{district["code"]:03d}'


def main(codename, out_path):
    data = json.loads(
        resources.files("vietnam_provinces").joinpath("data/nested-divisions.json").read_text()
    )
    province = next(p for p in data if p["codename"] == codename)
    with open(out_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "official", "name", "type", "parent", "valid_from", "valid_to"])
        for code, width, division, parent in rows(province):
            kind = UNIT_TYPES[division["division_type"]]
            writer.writerow([f"{code:0{width}d}", 1, division["name"], kind, parent or "",
                             VALID_FROM, ""])


if __name__ == "__main__":
    main(*sys.argv[1:3])
