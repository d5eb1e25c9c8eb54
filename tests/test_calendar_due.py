"""Yên Bái's KPIs are due at their own periods: what an agency and the province see each month."""
from tests.conftest import shipped_registry
from app.services.calendar_due import due_in_month

KPI = shipped_registry().schemes["yenbai-kpi-2022"]


def _by_type(due):
    return {d.period.code: len(d.rows) for d in due}


def _count(kind):
    return sum(1 for r in KPI.leaves if r.period == kind)


def test_an_ordinary_month_has_only_the_monthly_kpis():
    assert _by_type(due_in_month(KPI, 2022, 5)) == {"202205": _count("month")}


def test_a_quarters_last_month_adds_the_quarterly_kpis():
    assert _by_type(due_in_month(KPI, 2022, 3)) == {"202203": _count("month"),
                                                    "2022Q1": _count("quarter")}
    june = _by_type(due_in_month(KPI, 2022, 6))
    assert june == {"202206": _count("month"), "2022Q2": _count("quarter"),
                    "2022S1": _count("half_year")}


def test_december_has_every_kind():
    december = _by_type(due_in_month(KPI, 2022, 12))
    assert december == {"202212": _count("month"), "2022Q4": _count("quarter"),
                        "2022S2": _count("half_year"), "2022": _count("year")}
    assert sum(december.values()) == 40


def test_an_agency_sees_only_the_kpis_it_leads():
    due = due_in_month(KPI, 2022, 12, lead_unit="yenbai.so-tttt")
    rows = [r for d in due for r in d.rows]
    assert rows and all(r.lead_unit == "yenbai.so-tttt" for r in rows)
    assert "1" in {r.code for r in rows}  # KPI 1, six-monthly, led by Sở TT&TT
    other = [r for d in due_in_month(KPI, 2022, 12, lead_unit="yenbai.vp-ubnd") for r in d.rows]
    assert not {r.code for r in rows} & {r.code for r in other}
