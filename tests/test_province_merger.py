"""A province merged into another in 2025 says so on its pages, from the package's data, and its
earlier results stay readable; a province that kept its borders says nothing."""
from datetime import date

from sqlalchemy import select, update

from app import tenancy
from app.extensions import db
from app.models import Province
from app.services.province_merger import merger_of

NOTICE = "Từ ngày 01/07/2025, Yên Bái là một phần của tỉnh Lào Cai"
KPI_FORM = "/assessments/yenbai-kpi-2022/202212/15"


def _province(code: str) -> Province:
    with tenancy.unscoped():
        return db.session.scalar(select(Province).where(Province.code == code))


def _set(app, code: str, **values) -> None:
    with app.app_context(), tenancy.unscoped():
        db.session.execute(update(Province).where(Province.code == code).values(**values))
        db.session.commit()


def test_yen_bai_pages_say_it_is_part_of_lao_cai(app, as_user, on_day):
    on_day(date(2026, 12, 2))
    client = as_user("province_admin", "yenbai")
    for page in ("/", "/catalogue/yenbai-xa-2022", "/rankings", "/dashboards/province",
                 "/assessments"):
        response = client.get(page, follow_redirects=True)
        assert response.status_code == 200, page
        assert NOTICE in response.get_data(as_text=True), page
    _set(app, "yenbai", public_results=True)
    client.post("/logout")
    public = client.get("/cong-khai/yenbai").get_data(as_text=True)
    assert NOTICE in public


def test_a_province_that_kept_its_borders_has_no_notice(app, as_user):
    page = as_user("province_admin", "dienbien").get("/").get_data(as_text=True)
    assert "là một phần của" not in page


def test_yen_bai_2022_results_stay_readable_after_import_current(app, as_user, on_day):
    on_day(date(2022, 12, 5))
    client = as_user("province_admin", "yenbai")
    saved = client.post(f"{KPI_FORM}/rows/2", data={"2__value": "87,5"},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
    result = app.test_cli_runner().invoke(args=["units", "import-current", "yenbai"])
    assert result.exit_code == 0, result.output
    on_day(date(2026, 12, 2))
    page = client.get(KPI_FORM).get_data(as_text=True)
    assert "87,5" in page and NOTICE in page


def test_the_name_comes_from_the_package_also_when_the_old_code_is_gone(ctx):
    yenbai, dienbien = _province("yenbai"), _province("dienbien")
    assert merger_of(yenbai).into == "tỉnh Lào Cai"  # code 15 now names Lào Cai
    assert merger_of(dienbien) is None
    # A code the 2025 list no longer has: the province holding most of its 2022 commune codes.
    yenbai.official_code, dienbien.official_code = "13", "10"
    assert merger_of(yenbai).into == "tỉnh Lào Cai"
    assert merger_of(dienbien) is None  # its communes are still Điện Biên's
    yenbai.official_code = None
    assert merger_of(yenbai) is None
    db.session.rollback()


def test_the_notice_is_worked_out_once_not_on_every_page(ctx, monkeypatch):
    """Every page of a province shows the notice: after the first, asking again reads neither
    the database nor the package (whose data never changes while the process runs)."""
    import vietnam_provinces as vp
    from sqlalchemy import event
    yenbai = _province("yenbai")
    yenbai.official_code = "13"  # a code the 2025 list no longer has: its communes decide
    first = merger_of(yenbai)
    assert first.into == "tỉnh Lào Cai"
    statements, lookups = [], []

    def count(connection, cursor, statement, *rest):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    real = vp.Ward.from_code
    monkeypatch.setattr(vp.Ward, "from_code", lambda code: lookups.append(code) or real(code))
    try:
        for _ in range(3):
            assert merger_of(yenbai) == first
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
    assert statements == [] and lookups == []
