"""A number too long, too large or not finite is refused where it is typed, with the field
named, before anything is stored or audited; a value stored before these bounds no longer
breaks the pages that show it (issue 18, item 3)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Answer, Assessment, AuditEvent
from tests.conftest import province_id
from tests.test_api import call  # noqa: F401  (the API fixture)
from tests.test_entry import FORM, save
from tests.test_exports import FILLED, OWN, SCHEME, fill
from tests.test_value_import import edit, send

HUGE = "9" * 4001
API = f"/api/v1/assessments/{SCHEME}/2022/{OWN}"


def stored(app) -> tuple[int, int]:
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return (db.session.scalar(select(func.count()).select_from(Answer)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.mark.parametrize("typed, message", [
    ("1e999999", "Tử số: «1e999999» lớn quá"),
    ("12345678901234567", "Tử số: «12345678901234567» lớn quá"),
    (HUGE, "Tử số: dài quá 40 ký tự"),
    ("Infinity", "Tử số: «Infinity» không phải là số"),
])
def test_the_form_refuses_a_number_it_cannot_keep(app, as_user, typed, message):
    client = as_user("unit_user", "dienbien")
    response = save(client, "3.1", numerator=typed, denominator="50")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app) == (0, 0)  # no answer, no audit row
    assert client.get(FORM).status_code == 200


@pytest.mark.parametrize("number, message", [
    (HUGE, "Tử số: dài quá 40 ký tự"),
    ("1e999999", "Tử số: «Infinity» không phải là số"),  # JSON reads it as infinity
    ("1e300", "Tử số: dài quá 40 ký tự"),
    ("1e20", "lớn quá"),
])
def test_the_api_refuses_it_with_json_naming_the_field(app, call, number, message):
    body = '{"values": {"3.1": {"numerator": %s, "denominator": %s}}}' % (number, number)
    response = call("unit_user")("PUT", API, data=body, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert message in response.get_json()["errors"]["3.1"]["numerator"]
    assert stored(app) == (0, 0)
    assert call("unit_user")("GET", API).status_code == 200


def test_the_excel_import_refuses_it_naming_the_cell(app, as_user):
    fill(app, FILLED)
    before = stored(app)
    client = as_user("unit_user", "dienbien")
    template = client.get(f"{FORM}/import-template.xlsx").data
    page = send(client, edit(template, {("3.2", "Tử số"): 1e300, ("3.2", "Mẫu số"): 10}))
    text = page.get_data(as_text=True)
    assert page.status_code == 422, text[:300]
    assert "cột Tử số" in text and "dài quá 40 ký tự" in text
    assert stored(app) == before


@pytest.mark.parametrize("value", ["inf", "NaN", "Infinity", HUGE, "1e999999", "không rõ"])
def test_a_value_stored_before_the_bounds_does_not_break_the_pages(app, as_user, value):
    fill(app, {"3.1": {"numerator": "45", "denominator": "50"}})
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assessment = db.session.scalar(select(Assessment))
        db.session.add(AuditEvent(action="answer.save", assessment_id=assessment.id,
                                  province_id=assessment.province_id, code="3.1",
                                  field="numerator", old="45", new=value))
        db.session.commit()
    for role in ("unit_user", "province_admin"):
        client = as_user(role, "dienbien")
        for url in (FORM, f"{FORM}/history", f"{FORM}/history?code=3.1"):
            response = client.get(url)
            assert response.status_code == 200, (role, url)
        assert value[:20] in client.get(f"{FORM}/history").get_data(as_text=True)
        client.post("/logout")
