"""Every form of the web URL map, posted once with valid data by a role that may, answers
without a 5xx (issue 18, item 6: units could not be edited at all and no test noticed).

A POST route missing from FORMS fails the test: a new form is added here with its data."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Assessment, EvidenceLink, Period, Unit, User
from app.models.workflow import Question
from tests.conftest import DEMO_PASSWORD, demo, login, province_id
from tests.test_evidence import PDF
from tests.test_exports import FILLED, fill

S, P, U = "dienbien-so-2022", "2022", "dienbien.so-tttt"
A = f"/assessments/{S}/{P}/{U}"
AP = f"/appraisal/{S}/{P}/{U}"
XA = "/communes/yenbai-xa-2022/2022"


def ids(app) -> dict:
    """Ids the URLs and forms name, read from the test database."""
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        def unit(code):
            return db.session.scalar(select(Unit.id).where(Unit.code == code))
        return {
            "so_y_te": unit("dienbien.so-y-te"), "province": unit("11"),
            "viewer": db.session.scalar(select(User.id).where(User.role == "viewer")),
            "period": db.session.scalar(select(Period.id).where(Period.scheme_code == S,
                                                                Period.code == P)),
        }


def in_state(state: str):
    """Setup: the filled assessment in ``state``; a question on 1.2 when it is returned."""
    def setup(app, _client):
        fill(app, FILLED)
        with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
            found = db.session.scalar(select(Assessment))
            found.state = state
            found.submitted_at = datetime.utcnow() - timedelta(days=1)
            if state == "returned":
                db.session.add(Question(assessment_id=found.id, province_id=found.province_id,
                                        code="1.2", text="Vì sao?", answer_by=date(2099, 1, 1)))
            db.session.commit()
    return setup


def with_evidence(app, client):
    client.post(f"{A}/rows/2.1/evidence", content_type="multipart/form-data",
                data={"2.1__ev_file": (io.BytesIO(PDF), "ke-hoach.pdf")})
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return {"link": db.session.scalar(select(EvidenceLink.id))}


def staged_values(app, client):
    template = client.get(f"{A}/import-template.xlsx").data
    page = client.post(f"{A}/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(template), "ho-so.xlsx")}).get_data(as_text=True)

    return {name: (re.search(rf'name="{name}" value="([^"]*)"', page) or [None, ""])[1]
            for name in ("token", "filename", "digest")}


def reset_link(app, _client):
    """A password-reset link as the e-mail carries it."""
    from app.models import OutboxMail
    from app.services import password_reset
    with app.app_context():
        assert password_reset.ask(demo("viewer", "dienbien"), "127.0.0.1")
        db.session.commit()
        with tenancy.unscoped():
            body = db.session.scalars(select(OutboxMail.body_text)).all()[-1]
    return {"token": re.search(r"/reset-password/(\S+)", body)[1]}


USERS_CSV = "Thư điện tử,Họ và tên,Vai trò\nmoi@example.vn,Người Mới,Người xem\n".encode()


def staged_users(app, client):
    data = USERS_CSV
    page = client.post("/users/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "u.csv")}).get_data(as_text=True)

    found = re.search(r'name="token" value="([^"]+)"', page)
    return {"token": found[1] if found else ""}


def scheme_workbook(app, client):
    """The catalogue download, re-headed as the next version of its family."""
    from tests.catalogue_workbooks import edited
    path = app.config["UPLOAD_DIR"] + "-so.xlsx"
    with open(path, "wb") as out:
        out.write(client.get(f"/catalogue/{S}.xlsx").data)
    from pathlib import Path
    return {"scheme": edited(Path(path), {"code": "dienbien-so-2026", "version": 2,
                                          "first_year": 2026})}


def staged_scheme(app, client):
    data = scheme_workbook(app, client)["scheme"]
    page = client.post("/catalogue/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "so.xlsx")}).get_data(as_text=True)
    found = re.search(r'name="token" value="([^"]+)"', page)
    return {"token": found[1] if found else ""}


# endpoint: (role, province, url, data, setup) — url and data may name {ids} and setup results
FORMS = {
    "account.token_create": ("unit_user", "dienbien", "/account/tokens", {"name": "Cổng DTI"}, None),
    "account.token_revoke": ("unit_user", "dienbien", "/account/tokens/revoke", {"token_id": "1"}, None),
    "system_tokens.create": ("province_admin", "dienbien", "/users/systems",
                             {"name": "Cổng dịch vụ công"}, None),
    "system_tokens.revoke": ("province_admin", "dienbien", "/users/systems/revoke",
                             {"token_id": "1"}, None),
    "admin.enter_province": ("superadmin", None, "/admin/provinces/dienbien/enter", {}, None),
    "admin.province_plugins": ("province_admin", "dienbien", "/province/plugins",
                               {"plugin": "dienbien", "enabled": "1"}, None),
    "admin.provinces": ("superadmin", None, "/admin/provinces",
                        {"plugin": "dienbien", "public": "y"}, None),
    "appraisal.question": ("appraiser", "dienbien", f"{AP}/1.2/question",
                           {"question": "Bổ sung biên bản họp.", "answer_by": "2099-01-01"},
                           in_state("submitted")),
    "appraisal.reopen": ("appraiser", "dienbien", f"{AP}/1.2/reopen",
                         {"reason": "Sửa số liệu"}, in_state("returned")),
    "appraisal.reply": ("unit_user", "dienbien", f"{A}/rows/1.2/reply", {"reply": "Đã bổ sung."},
                        in_state("returned")),
    "appraisal.resubmit": ("unit_user", "dienbien", f"{A}/resubmit", {}, in_state("returned")),
    "appraisal.return_to_unit": ("appraiser", "dienbien", f"{AP}/return", {"confirm": "1"},
                                 in_state("submitted")),
    "appraisal.agree_remaining": ("appraiser", "dienbien", f"{AP}/agree-remaining",
                                  {"code": "1.2"}, in_state("submitted")),
    "appraisal.score": ("appraiser", "dienbien", f"{AP}/1.2", {"score": "10", "comment": "Đủ"},
                        in_state("submitted")),
    "auth.change_password": ("unit_user", "dienbien", "/account/password",
                             {"current": DEMO_PASSWORD, "new": "Mat-khau-moi-2026", "confirm": "Mat-khau-moi-2026"},
                             None),
    "auth.language": ("unit_user", "dienbien", "/language", {"lang": "en"}, None),
    "auth.login": (None, None, "/login", {"email": demo("viewer", "dienbien"), "password": DEMO_PASSWORD},
                   None),
    "auth.logout": ("unit_user", "dienbien", "/logout", {}, None),
    "communes.participant_counts": ("province_admin", "yenbai", f"{XA}/participants/counts", {}, None),
    "communes.save_participants": ("province_admin", "yenbai", f"{XA}/participants", {}, None),
    "communes.send_commune_report": ("province_admin", "yenbai", f"{XA}/commune/04249/report", {},
                                     None),
    "communes.send_district_report": ("province_admin", "yenbai", f"{XA}/district/132/report", {},
                                      None),
    "dashboards.enter": ("superadmin", None, "/dashboards/compare/enter",
                         {"province": "dienbien"}, None),
    "dashboards.public_results": ("province_admin", "dienbien", "/province/public-results",
                                  {"enabled": "1"}, None),
    "entry.save_row": ("unit_user", "dienbien", f"{A}/rows/1.1", {"1.1__value": "1"}, None),
    "entry.save_section": ("unit_user", "dienbien", f"{A}/sections/1",
                           {"1.1__value": "1", "1.2__self_score": "12,5"}, None),
    "entry.submit": ("unit_user", "dienbien", f"{A}/submit", {"confirm": "1"}, None),
    "entry.withdraw": ("unit_user", "dienbien", f"{A}/withdraw", {}, in_state("submitted")),
    "evidence.remove": ("unit_user", "dienbien", A + "/rows/2.1/evidence/{link}/remove", {},
                        with_evidence),
    "evidence.reuse": ("unit_user", "dienbien", f"{A}/rows/2.2/evidence/reuse",
                       {"evidence_id": "1"}, with_evidence),
    "evidence.upload": ("unit_user", "dienbien", f"{A}/rows/2.1/evidence",
                        {"2.1__ev_url": "https://stttt.dienbien.gov.vn/cds"}, None),
    "exports.confirm": ("unit_user", "dienbien", f"{A}/import/confirm",
                        {"token": "{token}", "filename": "{filename}", "digest": "{digest}"},
                        staged_values),
    "exports.upload": ("unit_user", "dienbien", f"{A}/import", {"file": "{template}"},
                       lambda app, client: {"template": client.get(f"{A}/import-template.xlsx").data}),
    "notifications.mark_read": ("unit_user", "dienbien", "/notifications/read", {}, None),
    "periods.change_deadline": ("province_admin", "dienbien", "/periods/{period}/deadline",
                                {"deadline": "2099-12-31"}, None),
    "periods.index": ("province_admin", "dienbien", "/periods",
                      {"scheme": S, "code": "2023", "deadline": "2099-12-31"}, None),
    "periods.set_state": ("province_admin", "dienbien", "/periods/{period}/state",
                          {"state": "locked"}, None),
    "rankings.publish": ("province_admin", "dienbien", f"/rankings/{S}/{P}/publish",
                         {"confirm": "1"}, None),
    "rankings.unpublish": ("province_admin", "dienbien", f"/rankings/{S}/{P}/unpublish",
                           {"reason": "Sai số liệu"}, None),
    "reopen.reopen": ("province_admin", "dienbien", f"{A}/reopen",
                      {"reason": "Quá hạn do mất điện", "until": "2099-12-31"}, None),
    "mail.preferences": ("unit_user", "dienbien", "/account/mail",
                         {"returned": "now", "published": "digest", "deadline": "off"}, None),
    "password_reset.forgot": (None, None, "/forgot-password",
                              {"email": demo("viewer", "dienbien")}, None),
    "password_reset.reset": (None, None, "/reset-password/{token}",
                             {"password": "Mat-khau-moi-2026", "confirm": "Mat-khau-moi-2026"},
                             reset_link),
    "units.create": ("province_admin", "dienbien", "/units/new",
                     {"name": "Ban Quản lý dự án", "code": "dienbien.bqlda", "type": "co_quan",
                      "parent": "{province}"}, None),
    "units.edit": ("province_admin", "dienbien", "/units/{so_y_te}",
                   {"name": "Sở Y tế", "code": "dienbien.so-y-te", "type": "so",
                    "parent": "{province}"}, None),
    "catalogue_import.upload": ("province_admin", "dienbien", "/catalogue/import",
                                {"file": "{scheme}"}, scheme_workbook),
    "catalogue_import.confirm": ("province_admin", "dienbien", "/catalogue/import/confirm",
                                 {"token": "{token}", "filename": "so.xlsx"}, staged_scheme),
    "user_import.confirm": ("province_admin", "dienbien", "/users/import/confirm",
                            {"token": "{token}"}, staged_users),
    "user_import.passwords": ("province_admin", "dienbien", "/users/import/passwords.csv",
                              {"email": "a@example.vn", "full_name": "A", "unit": "",
                               "password": "x"}, None),
    "user_import.upload": ("province_admin", "dienbien", "/users/import", {"file": "{users}"},
                           lambda app, client: {"users": USERS_CSV}),
    "users.create": ("province_admin", "dienbien", "/users/new",
                     {"email": "moi@example.vn", "full_name": "Người Mới", "role": "viewer",
                      "unit": "", "password": "Mat-khau-moi-2026"}, None),
    "users.reset_password": ("province_admin", "dienbien", "/users/{viewer}/password",
                             {"password": "Mat-khau-moi-2026"}, None),
    "users.set_active": ("province_admin", "dienbien", "/users/{viewer}/active", {"active": "0"},
                         None),
}


def _filled(text: str, values: dict):
    """``text`` with its {names} filled; a name standing alone for bytes posts them as a file."""
    name = text[1:-1] if text.startswith("{") and text.endswith("}") else None
    if isinstance(values.get(name), bytes):
        return (io.BytesIO(values[name]), "tep.xlsx" if values[name][:2] == b"PK" else "tep.csv")
    return text.format(**values)


def web_forms(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.endpoint.startswith("api.")}


def test_every_form_of_the_url_map_is_listed(app):
    missing = web_forms(app) - set(FORMS)
    assert not missing, f"add these forms to FORMS with valid data: {sorted(missing)}"


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_each_form_posted_with_valid_data_answers_without_a_server_error(app, endpoint):
    role, province, url, data, setup = FORMS[endpoint]
    client = app.test_client()
    if role is not None:
        login(client, demo(role, province))
    values = {**ids(app), **((setup(app, client) if setup else None) or {})}
    response = client.post(url.format(**values), data={
        key: _filled(text, values) for key, text in data.items()})
    assert response.status_code < 500, (endpoint, response.status_code,
                                        response.get_data(as_text=True)[:300])
