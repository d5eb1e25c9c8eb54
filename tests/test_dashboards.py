"""Dashboards: charts as valid, self-describing SVG with the same numbers as their tables; who
sees what; the heat-map bands; Yên Bái's KPI trends and commune levels; the superadmin's
comparison of provinces on one percent scale."""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal as D
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from sqlalchemy import event, select

from app import charts, clock, tenancy
from app.extensions import db
from app.models import Participation, Period, Province, Unit
from app.scoring.targets import ADVANCED, BASIC, targets_for
from app.services import dashboard_figures
from app.services import province_comparison as comparison
from app.services import province_dashboard as province_board
from tests.test_rankings import departments, make, publish, scoped, scores_summing

SO = "dienbien-so-2022"
UNIT_PAGE = f"/dashboards/unit/{SO}/2022/"


# -- helpers (assessments, publication, units: tests.test_rankings') ------------------------
def registry(app):
    return app.extensions["chiso"]


def parse_svg(text: str) -> ET.Element:
    """An SVG parsed as XML (fails on invalid markup), tags without their namespace."""
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    for element in root.iter():
        element.tag = element.tag.split("}")[-1]
    return root


def svg(page: str, chart_id: str) -> ET.Element:
    """The chart of that id in a page."""
    match = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', page, re.S)
    assert match, f"no chart {chart_id}"
    return parse_svg(match.group(0))


def series_values(root: ET.Element) -> list[list[str]]:
    """Each series' values as the chart carries them (pygal's <desc class="value">), in the
    order the series were added (class serie-0, serie-1, …)."""
    found = {}
    for group in root.iter("g"):
        classes = group.get("class", "").split()
        if "series" in classes:
            values = [d.text for d in group.iter("desc") if d.get("class") == "value"]
            index = next(int(c[6:]) for c in classes if c.startswith("serie-"))
            if values:
                found[index] = values
    return [found[index] for index in sorted(found)]


def top_down(root: ET.Element) -> list[list[str]]:
    """A horizontal bar chart's values in reading order (pygal writes the bottom bar first)."""
    return [values[::-1] for values in series_values(root)]


class Tables(HTMLParser):
    """Every <table>: its caption and rows of cell texts (th and td)."""

    def __init__(self, page: str):
        super().__init__()
        self.tables: list[dict] = []
        self._cell = None
        self._in_caption = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "classes": dict(attrs).get("class", "")})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = {"text": "", "class": dict(attrs).get("class", "")}

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell["text"] += data

    def find(self, caption_start: str) -> list[list[dict]]:
        table = next(t for t in self.tables if t["caption"].strip().startswith(caption_start))
        return [[{"text": " ".join(c["text"].split()), "class": c["class"]} for c in row]
                for row in table["rows"]]


def texts(rows) -> list[list[str]]:
    return [[c["text"] for c in row] for row in rows]


def pct(value: D) -> str:
    return f"{value.quantize(D('0.01'), ROUND_HALF_UP)}".replace(".", ",") + "%"


# -- charts, pure ------------------------------------------------------------------------------
def test_charts_are_valid_svg_named_by_title_and_desc_without_style_or_script():
    made = [charts.radar("r", "Radar", "Mô tả radar", ["A", "B", "C"], [("Đơn vị", [80, 50.5, None])]),
            charts.hbars("h", "Thanh", "Mô tả thanh", ["x", "y"], [("s", [12.345, 100])]),
            charts.lines("l", "Đường", "Mô tả đường", ["2021", "2022"], [("v", [15, 25])],
                         target=20)]
    for markup, chart_id in zip(made, "rhl"):
        root = parse_svg(str(markup))
        assert root.get("role") == "img"
        title, desc = root.get("aria-labelledby").split()
        assert root.find(f"title[@id='{title}']") is not None
        assert root.find(f"desc[@id='{desc}']").text.startswith("Mô tả")
        # The page's Content-Security-Policy forbids inline styles and scripts.
        assert not [e for e in root.iter() if e.tag in ("style", "script") or "style" in e.attrib]
    hbar = parse_svg(str(made[1]))
    assert top_down(hbar) == [["12,35%", "100,00%"]]
    line = parse_svg(str(made[2]))
    dashed = {g.get("class") for g in line.iter("g") if "target" in g.get("class", "").split()}
    assert dashed == {"series serie-1 color-1 target"}, "the target is the one dashed series"


def test_the_chart_stylesheet_is_pygal_css_for_our_class(client):
    response = client.get("/dashboards/charts.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert "svg.chiso-chart" in css and "#0b5394" in css and "#chart-" not in css


def test_heat_classes_are_five_bands_of_twenty_points():
    assert [dashboard_figures.heat_class(D(v)) for v in ("0", "19.99", "20", "39.99", "40", "60", "79.99",
                                           "80", "100")] == [1, 1, 2, 2, 3, 4, 4, 5, 5]
    assert dashboard_figures.heat_class(None) is None


# -- the unit's dashboard ----------------------------------------------------------------------
def test_unit_dashboard_radar_matches_its_table_and_lists_the_points_to_gain(app, as_user):
    own, second, third = departments(app)
    make(app, own, scores_summing(app, 300))
    make(app, second, scores_summing(app, 400))
    make(app, third, scores_summing(app, 200))
    page = as_user("province_admin", "dienbien").get(UNIT_PAGE + own).get_data(as_text=True)
    rows = Tables(page).find("Tỷ lệ điểm theo chỉ số chính")
    unit_column = [r[2]["text"] for r in rows[1:]]
    average_column = [r[3]["text"] for r in rows[1:]]
    best_column = [r[4]["text"] for r in rows[1:]]
    radar = series_values(svg(page, "radar"))
    assert radar == [unit_column, average_column, best_column]
    with app.app_context():
        scheme = registry(app).schemes[SO]
    scores = scores_summing(app, 300)
    first_main = scheme.main[0]
    first_leaves = [r for r in scheme.leaves if scheme.main_of(r.code) is first_main]
    expected = sum(scores.get(r.code, D(0)) for r in first_leaves) / first_main.max_points * 100
    assert unit_column[0] == pct(expected)
    # Points to gain: maximum − score, largest first.
    gains = Tables(page).find("10 chỉ tiêu còn cách điểm tối đa")[1:]
    leaves = {r.code: r for r in scheme.leaves}
    expected_gains = sorted(((leaves[c].max_points - scores.get(c, D(0)), c) for c in leaves
                             if leaves[c].max_points - scores.get(c, D(0)) > 0),
                            key=lambda item: -item[0])[:10]
    assert [g[0]["text"].split()[0] for g in gains] == [c for _gain, c in expected_gains]
    assert "Tổng điểm" in page and "300" in page and "60,00%" in page


def test_unit_user_sees_only_its_own_unit_and_its_rank_only_after_publication(app, as_user):
    own, other, third = departments(app)
    make(app, own, scores_summing(app, 300))
    make(app, other, scores_summing(app, 400))
    make(app, third, scores_summing(app, 100))
    client = as_user("unit_user", "dienbien")
    assert client.get(UNIT_PAGE + other).status_code == 404
    page = client.get(UNIT_PAGE + own).get_data(as_text=True)
    assert "60,00%" in page  # its own score
    assert page.count("hiện khi kết quả được công bố") == 2  # rank and change wait
    with app.app_context(), scoped(app):
        other_name = db.session.scalar(select(Unit.name).where(Unit.code == other))
    assert other_name not in page and "Trung bình nhóm" not in page
    assert len(series_values(svg(page, "radar"))) == 1  # no average, no best unit yet

    publish(app)
    page = client.get(UNIT_PAGE + own).get_data(as_text=True)
    assert "hiện khi kết quả được công bố" not in page
    assert re.search(r"<b>2<span class=\"of\">/3</span></b>", page)
    assert f"Đứng đầu: {other_name}" in page
    assert client.get(UNIT_PAGE + other).status_code == 404


def test_viewer_waits_for_publication_then_sees_the_history(app, as_user):
    own, _other, _third = departments(app)
    make(app, own, scores_summing(app, 300))
    client = as_user("viewer", "dienbien")
    page = client.get(UNIT_PAGE + own).get_data(as_text=True)
    assert "chưa được công bố" in page and "60,00%" not in page
    publish(app)
    page = client.get(UNIT_PAGE + own).get_data(as_text=True)
    history = texts(Tables(page).find("Kết quả đã công bố"))
    assert history[1][:4] == ["Năm 2022", "300", "500", "60,00%"]
    assert series_values(svg(page, "history")) == [["60,00%"]]


def test_yen_dinh_history_and_change_over_years(app, as_user):
    """Yên Định's 2022 result is published history; 2023 is compared with it."""
    make(app, "394", scores_summing(app, 900, scheme="thanhhoa-huyen-2022"),
         period_code="2023", scheme="thanhhoa-huyen-2022", province="thanhhoa")
    page = as_user("province_admin", "thanhhoa").get(
        "/dashboards/unit/thanhhoa-huyen-2022/2023/394").get_data(as_text=True)
    history = texts(Tables(page).find("Kết quả đã công bố"))
    assert history[1][:4] == ["Năm 2022", "891,195", "1.000", "89,12%"]
    assert "so với năm 2022" in page  # the change is against the last published year


# -- the province's dashboard ------------------------------------------------------------------
def test_province_dashboard_charts_match_the_ranking_and_heat_map(app, as_user):
    a, b, c = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, scores_summing(app, 450))
    make(app, c, scores_summing(app, 380, skip=("1.1", "1.2")), not_assessed=("1.1", "1.2"))
    page = as_user("province_admin", "dienbien").get(
        f"/dashboards/province?scheme={SO}&period=2022").get_data(as_text=True)
    tables = Tables(page)
    ranking = texts(tables.find("Xếp hạng sở"))[1:]
    assert [r[0] for r in ranking] == ["1", "2", "3"]
    assert [r[4] for r in ranking] == ["90,00%", "80,00%", "60,00%"]  # 450/500, 380/475, 300/500
    assert top_down(svg(page, "rank-agency")) == [[r[4] for r in ranking]]
    heat = tables.find("Tỷ lệ điểm (%) của từng đơn vị")[1:]
    for row in heat:
        for cell in row[1:]:
            if cell["text"] == "—":
                assert "heat-none" in cell["class"]
                continue
            value = D(cell["text"].rstrip("%").replace(",", "."))
            assert f"heat-{dashboard_figures.heat_class(value)}" in cell["class"].split(), cell
    assert [row[-1]["text"] for row in heat] == [r[4] for r in ranking]
    assert 'class="heat-legend"' in page and "Từ 80% trở lên" in page


def test_submission_progress_counts_submitted_appraised_and_late(app, as_user):
    a, b, c = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, {}, state="submitted")
    make(app, c, {}, state="draft")
    with app.app_context(), scoped(app):
        period = db.session.scalar(select(Period).where(Period.scheme_code == SO))
        expected = len(province_board.expected_units(registry(app).schemes[SO], period))
        late = expected - 2 if clock.today() > period.deadline else 0
    page = as_user("appraiser", "dienbien").get(
        f"/dashboards/province?scheme={SO}&period=2022").get_data(as_text=True)
    progress = texts(Tables(page).find("Hồ sơ năm 2022"))[1:5]
    # Each unit in one state only: the states add up to the units expected (not 120 %).
    assert [r[:2] for r in progress] == [["Đã thẩm định", "1"], ["Đã nộp, chờ thẩm định", "1"],
                                         ["Quá hạn chưa nộp", str(late)],
                                         ["Chưa nộp, còn hạn", str(expected - 2 - late)]]
    assert sum(int(r[1]) for r in progress) == expected
    assert top_down(svg(page, "progress")) == [[r[1] for r in progress]]
    assert "Đã nộp tất cả: 2 đơn vị" in page


def test_filters_swap_the_dashboard_block_and_keep_the_url(app, as_user):
    client = as_user("province_admin", "dienbien")
    url = f"/dashboards/province?scheme={SO}&period=2022"
    fragment = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="dashboard"') and "<html" not in fragment
    assert 'hx-push-url="true"' in fragment and f'value="{SO}" selected' in fragment
    restored = client.get(url, headers={"HX-Request": "true",
                                        "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)  # a history restore gets the whole page
    assert "<html" in client.get(url).get_data(as_text=True)  # and without JavaScript
    # A period or a group another scheme had falls back to this scheme's own.
    page = client.get("/dashboards/province?scheme=dienbien-huyen-2022&period=1999")
    assert page.status_code == 200 and "Năm 2022" in page.get_data(as_text=True)
    make(app, "dienbien.so-tttt", scores_summing(app, 100))
    page = client.get(f"{url}&group=commune").get_data(as_text=True)
    assert "Xếp hạng: Sở, ban, ngành" in page


def _queries(app, client, url: str) -> int:
    statements = []

    def count(*args):
        statements.append(args[2])
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_dashboards_read_a_fixed_number_of_queries_whatever_the_number_of_units(app, as_user):
    """One query per data set: more units, not more queries."""
    province_page = f"/dashboards/province?scheme={SO}&period=2022"
    codes = departments(app, 8)
    for code in codes[:2]:
        make(app, code, scores_summing(app, 250))
    admin = as_user("province_admin", "dienbien")
    admin.get(province_page)  # the first request of the app also reads the imported schemes once
    few = _queries(app, admin, province_page)
    compare_few = _queries(app, as_user("superadmin"), "/dashboards/compare?period=2022")
    for code in codes[2:]:
        make(app, code, scores_summing(app, 300))
    assert _queries(app, as_user("province_admin", "dienbien"), province_page) == few
    assert _queries(app, as_user("superadmin"), "/dashboards/compare?period=2022") == compare_few


def test_viewer_sees_only_published_periods_on_the_province_dashboard(app, as_user):
    a, b, _c = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, scores_summing(app, 200))
    client = as_user("viewer", "dienbien")
    page = client.get(f"/dashboards/province?scheme={SO}&period=2022").get_data(as_text=True)
    assert "chưa có kỳ nào được công bố" in page and "60,00%" not in page
    publish(app)
    page = client.get(f"/dashboards/province?scheme={SO}&period=2022").get_data(as_text=True)
    assert "60,00%" in page and "Đã công bố" in page


def test_unit_user_is_sent_to_its_own_dashboards(app, as_user):
    make(app, "dienbien.so-tttt", scores_summing(app, 100))
    client = as_user("unit_user", "dienbien")
    response = client.get("/dashboards/province")
    assert response.status_code == 302 and response.location.endswith("/dashboards")
    page = client.get("/dashboards").get_data(as_text=True)
    assert UNIT_PAGE + "dienbien.so-tttt" in page


def test_kpi_trends_draw_the_province_values_and_the_target(app, as_user):
    """Yên Bái KPI 24 (digital economy, yearly, target 20% of GRDP) over 2021 and 2022."""
    with app.app_context(), scoped(app, "yenbai"):
        db.session.add(Period(scheme_code="yenbai-kpi-2022", code="2021", type="year",
                              state="locked", deadline=date(2021, 12, 25)))
        db.session.commit()
        province_unit = db.session.scalar(select(Unit.code).where(Unit.type == "tinh"))
    for year, value in (("2021", 15), ("2022", 25)):
        make(app, province_unit, {}, state="submitted", period_code=year,
             scheme="yenbai-kpi-2022", province="yenbai", values={"24": value})
    page = as_user("province_admin", "yenbai").get(
        "/dashboards/province?scheme=yenbai-kpi-2022&period=2022").get_data(as_text=True)
    table = texts(Tables(page).find("Giá trị chỉ tiêu 24"))
    assert table[1:] == [["Năm 2021", "15", "20"], ["Năm 2022", "25", "20"]]
    chart = next(svg(page, chart_id) for chart_id in re.findall(r'<svg [^>]*id="(kpi-\d+)"', page)
                 if "chỉ tiêu 24 " in ET.tostring(svg(page, chart_id), encoding="unicode"))
    assert series_values(chart) == [["15,00%", "25,00%"]]
    assert any("target" in g.get("class", "").split() for g in chart.iter("g"))  # the 20% line
    assert "Đạt</span>" in page  # 25 ≥ 20 at the latest period


def _participants(app, meeting: int, missing: int) -> tuple[int, int]:
    """Yên Bái communes taking part in 2022: ``meeting`` of them meet every basic target of
    their type, ``missing`` have no values. Returns (targets met, targets set)."""
    scheme_code = "yenbai-xa-2022"
    with app.app_context(), scoped(app, "yenbai"):
        scheme = registry(app).schemes[scheme_code]
        units = db.session.scalars(select(Unit).where(Unit.type == "xa", Unit.valid_to.is_(None))
                                   .order_by(Unit.code).limit(meeting + missing)).all()
        for unit in units:
            db.session.add(Participation(scheme_code=scheme_code, year=2022, unit_id=unit.id))
        db.session.commit()
        basic = targets_for(scheme, BASIC, "xa")
        total = len(basic) + len(targets_for(scheme, ADVANCED, "xa"))
        codes = [u.code for u in units]

    def bar(row):
        target = row.targets["xa"]
        leading = re.match(r"\s*(\d+)", str(target))
        return D(leading.group(1)) if leading else D(1)
    for code in codes[:meeting]:
        make(app, code, {}, state="submitted", scheme=scheme_code, province="yenbai",
             values={row.code: bar(row) for row in basic})
    return len(basic) * meeting, total * len(codes)


def test_commune_levels_share_of_participants(app, as_user):
    _participants(app, meeting=1, missing=1)
    page = as_user("province_admin", "yenbai").get(
        "/dashboards/province?scheme=yenbai-xa-2022&period=2022").get_data(as_text=True)
    levels = texts(Tables(page).find("Số đơn vị tham gia đạt mức cơ bản"))
    assert levels[1] == ["Toàn tỉnh", "2", "1 (50,00%)", "0 (0,00%)"]
    basic, advanced = top_down(svg(page, "levels"))
    assert (basic[0], advanced[0]) == ("50,00%", "0,00%")
    assert [f"({b})" for b in basic] == [row[2].split()[1] for row in levels[1:]]


# -- the superadmin's comparison -----------------------------------------------------------------
def _expected_by_pillar(scheme, scores: dict, not_assessed=()) -> dict[str, tuple[D, D]]:
    sums: dict[str, tuple[D, D]] = {}
    for leaf in scheme.leaves:
        if leaf.code in not_assessed:
            continue
        got, top = sums.get(leaf.pillar, (D(0), D(0)))
        sums[leaf.pillar] = (got + scores.get(leaf.code, D(0)), top + leaf.max_points)
    return sums


def test_compare_puts_dien_bien_and_thanh_hoa_on_one_percent_scale(app, as_user):
    skip = ("1.1", "1.2")  # 10 + 15 points not assessed: the maximum is 475
    dien_bien = scores_summing(app, 380, skip=skip)
    make(app, departments(app)[1], dien_bien, not_assessed=skip)
    with app.app_context():
        reg = registry(app)
        yen_dinh = next(item for item in reg.history("thanhhoa") if item["period"] == "2022")
        leaves = {r.code for r in reg.schemes["thanhhoa-huyen-2022"].leaves}
        yen_dinh_scores = {c: D(str(s)) for c, s in yen_dinh["scores"].items() if c in leaves}
        expected = {
            "dienbien": _expected_by_pillar(reg.schemes[SO], dien_bien, skip),
            "thanhhoa": _expected_by_pillar(reg.schemes["thanhhoa-huyen-2022"], yen_dinh_scores),
        }
        data = comparison.compare(reg, "2022")
    provinces = {p["code"]: p for p in data["provinces"]}
    for code, sums in expected.items():
        figures = provinces[code]
        assert figures["measure"] == "points"
        got = sum(s for s, _ in sums.values())
        top = sum(t for _, t in sums.values())
        assert figures["total"]["percent"] == float(got / top * 100).__round__(2)
        assert figures["total"]["units"] == 1
        for pillar, (score, maximum) in sums.items():
            assert figures["pillars"][pillar]["percent"] == float(
                (score / maximum * 100).quantize(D("0.01"), ROUND_HALF_UP))
    assert provinces["dienbien"]["total"]["achieved"] == 380.0
    assert provinces["dienbien"]["total"]["max"] == 475.0
    assert provinces["dienbien"]["total"]["percent"] == 80.0
    assert provinces["thanhhoa"]["total"]["percent"] == 89.12
    assert provinces["thanhhoa"]["schemes"][0]["max_points"] == 1000
    assert provinces["dienbien"]["schemes"][0]["max_points"] == 500
    assert provinces["yenbai"]["measure"] is None  # no commune takes part yet

    client = as_user("superadmin")
    page = client.get("/dashboards/compare?period=2022").get_data(as_text=True)
    rows = {r[0]["text"].split()[0]: [c["text"] for c in r]
            for r in Tables(page).find("Các tỉnh theo trụ cột chung")[1:]}
    assert rows["Điện"][-2].startswith("80,00%") and rows["Thanh"][-2].startswith("89,12%")
    # The chart's bars are the table's pillar cells (a pillar a scheme lacks has no bar).
    pillar_cells = [cell.split("%")[0] + "%" for cell in rows["Điện"][1:9] if cell != "—"]
    assert pillar_cells[::-1] in series_values(svg(page, "compare"))


def test_compare_counts_targets_met_for_a_province_without_points(app, as_user):
    met, total = _participants(app, meeting=1, missing=1)
    with app.app_context():
        data = comparison.compare(registry(app), "2022")
    yen_bai = next(p for p in data["provinces"] if p["code"] == "yenbai")
    assert yen_bai["measure"] == "targets" and "chỉ tiêu đạt" in yen_bai["measure_label"]
    assert yen_bai["total"]["achieved"] == met and yen_bai["total"]["max"] == total
    assert yen_bai["total"]["units"] == 2
    page = as_user("superadmin").get("/dashboards/compare?period=2022").get_data(as_text=True)
    # Targets met is another measure: its own chart, not bars beside others' share of points.
    targets = ET.tostring(svg(page, "compare-targets"), encoding="unicode")
    assert "Tỷ lệ chỉ tiêu đạt (không phải điểm)" in targets
    assert "Yên Bái" not in page.split('id="compare-targets"')[0].split('id="compare"')[-1]


def test_compare_is_for_the_superadmin_and_drills_down_into_a_province(app, as_user):
    assert as_user("province_admin", "dienbien").get("/dashboards/compare").status_code == 403
    client = as_user("superadmin")
    response = client.post("/dashboards/compare/enter",
                           data={"province": "thanhhoa", "scheme": "thanhhoa-huyen-2022",
                                 "period": "2022"})
    assert response.status_code == 302
    assert response.location.endswith(
        "/dashboards/province?scheme=thanhhoa-huyen-2022&period=2022")
    page = client.get(response.location).get_data(as_text=True)
    assert "Thanh Hóa" in page and "Huyện Yên Định" in page and "89,12%" in page
    assert client.post("/dashboards/compare/enter", data={"province": "x"}).status_code == 404


def test_province_admin_turns_the_public_page_on_and_off(app, as_user):
    assert as_user("viewer", "dienbien").post("/province/public-results",
                                              data={"enabled": "1"}).status_code == 403
    client = as_user("province_admin", "dienbien")
    response = client.post("/province/public-results", data={"enabled": "1"})
    assert response.status_code == 302
    with app.app_context(), tenancy.unscoped():
        assert db.session.scalar(select(Province.public_results).where(
            Province.code == "dienbien")) is True
    page = client.get("/dashboards/province").get_data(as_text=True)
    assert "/cong-khai/dienbien" in page and "Tắt trang công khai" in page
    client.post("/province/public-results", data={"enabled": "0"})
    with app.app_context(), tenancy.unscoped():
        assert db.session.scalar(select(Province.public_results).where(
            Province.code == "dienbien")) is False
