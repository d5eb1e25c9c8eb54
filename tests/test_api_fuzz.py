"""Fuzzing the JSON API from its own OpenAPI document: schemathesis, in-process over WSGI.

Every operation of /api/v1/openapi.json gets requests that fit the document and requests that
break it, at random URLs and at real objects of Điện Biên (an assessment, an evidence file),
whose bodies name the scheme's real indicator codes half of the time (random codes stop at "no
such indicator" before the row parser). The caller is the province admin, or the role an
operation is for (an appraiser, on a submitted assessment; the superadmin; a system's token). schemathesis checks
each answer: no 5xx; status code, content type and body as documented; a request that breaks
the document refused with a 4xx; an operation that succeeds refuses the same request without the
token or with a wrong one. Each operation runs on a fresh copy of the database.

Each operation is a plain parametrized test drawing from the operation's Hypothesis strategy:
schemathesis' own pytest loader (``from_fixture`` + ``parametrize``) fails on pytest 9.2, which
no longer has the ``Function._nodeid`` it rewrites.
"""
from __future__ import annotations

import io

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from app.api.spec import ENDPOINTS
from app.permissions import PERMISSIONS
from tests.conftest import demo
from tests.test_api import PDF, complete_values

OPENAPI = "/api/v1/openapi.json"
SCHEME = "dienbien-so-2022"
OWN = {"scheme_code": SCHEME, "period_code": "2022", "unit_code": "dienbien.so-tttt"}
OWN_URL = "/api/v1/assessments/{scheme_code}/{period_code}/{unit_code}".format(**OWN)
BODY_MAPS = ("values", "scores")  # bodies keyed by indicator code (ValuesPut, AppraisalPut)

FUZZ = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def load_schema(app, token: str | None = None):
    """The served document, with the token schemathesis sends (and leaves out on purpose, to
    check the 401) and the statuses it accepts for data that fits the document."""
    config = {"checks": {"positive_data_acceptance": {"expected-statuses": [
        # Data that fits the document may still break rules it cannot state: 422 for an
        # indicator code the scheme lacks, a score above the row's maximum, a submission with
        # rows missing; 413 and 415 for an evidence file over the size limit or of a refused type.
        "2xx", "3xx", "401", "403", "404", "409", "413", "415", "422"]}}}
    if token:
        # Sent on every call, not generated: breaking it is the 401 test's job, and the
        # ignored_auth check still tries each success again without it and with a wrong one.
        config["auth"] = {"openapi": {"bearer": {"bearer": token}}}
        config["generation"] = {"with-security-parameters": False}
    return schemathesis.openapi.from_wsgi(OPENAPI, app,
                                          config=schemathesis.Config.from_dict(config))


def token_of(app, role: str) -> str:
    """A demo user's token, made as an administrator would (`flask tokens create`); for the
    "system" role, a system token of Điện Biên (`flask tokens create-system`)."""
    email = demo(role, None if role == "superadmin" else "dienbien")
    args = ["tokens", "create-system", "Cổng dịch vụ công", "--province", "dienbien"] \
        if role == "system" else ["tokens", "create", email]
    made = app.test_cli_runner().invoke(args=args)
    assert made.exit_code == 0, made.output
    return made.output.strip()


def caller_of(action: str | None) -> str:
    """The province admin where the role table lets it, else the role the action is for (an
    appraiser appraises, the superadmin compares provinces): a 403 reads no input."""
    allowed = PERMISSIONS[action][1] if action else {"province_admin"}
    return next(role for role in ("province_admin", "appraiser", "superadmin", "system")
                if role in allowed)


def submit_the_assessment(app, token: str) -> None:
    """The unit's assessment filled in and submitted, for an appraiser to score."""
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    filled = client.put(OWN_URL, json={"values": complete_values(app, SCHEME)}, headers=headers)
    assert filled.status_code == 200, filled.get_json()
    assert client.post(f"{OWN_URL}/submit", headers=headers).status_code == 200


def upload_evidence(app, token: str) -> int:
    response = app.test_client().post(
        f"{OWN_URL}/evidence", headers={"Authorization": f"Bearer {token}"},
        data={"indicator": "2.1", "file": (io.BytesIO(PDF), "ke-hoach.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def real_objects(app, declared) -> tuple[dict, str]:
    """(path parameters naming real objects, token of the caller) for an operation. An
    appraisal needs a submitted assessment, else every call stops at 409 before its body."""
    params = {name: value for name, value in OWN.items() if name in declared.path_params}
    admin = token_of(app, "province_admin")
    if declared.view == "download":
        params["evidence_id"] = upload_evidence(app, admin)
    if declared.view == "put_appraisal":
        submit_the_assessment(app, admin)
    return params, token_of(app, caller_of(declared.action))


def fuzzed_cases(operation, own: dict):
    """Fitting and breaking requests at the real objects' URL, and at random URLs (these mostly
    stop at the 404 of an unknown scheme, so they get a smaller share)."""
    at_own = [operation.as_strategy(mode, path_parameters=own) for mode in GenerationMode]
    at_random = [operation.as_strategy(mode) for mode in GenerationMode]
    return st.one_of(*at_own, *at_own, *at_random)


def use_real_codes(case, codes, draw) -> None:
    """Name indicators of the scheme in a generated body (the keys of a values or scores map,
    the evidence form's indicator), so that it reaches the parsers behind the code look-up."""
    body = case.body if isinstance(case.body, dict) else {}
    for key in BODY_MAPS:
        items = body.get(key)
        if isinstance(items, dict) and items:
            picked = draw(st.lists(st.sampled_from(codes), min_size=len(items),
                                   max_size=len(items), unique=True))
            body[key] = dict(zip(picked, items.values()))
    if isinstance(body.get("indicator"), str):
        body["indicator"] = draw(st.sampled_from(codes))


@pytest.mark.parametrize("declared", ENDPOINTS, ids=[f"{e.method} {e.path}" for e in ENDPOINTS])
def test_no_operation_fails_or_strays_from_its_document(app, declared):
    own, token = real_objects(app, declared)
    operation = load_schema(app, token)[declared.path][declared.method]
    cases = fuzzed_cases(operation, own)
    codes = [row.code for row in app.extensions["chiso"].schemes[SCHEME].rows]

    @given(data=st.data())
    @FUZZ
    def fuzz(data):
        case = data.draw(cases)
        if data.draw(st.booleans()):
            use_real_codes(case, codes, data.draw)
        case.call_and_validate()

    fuzz()


def test_without_a_valid_token_every_protected_operation_is_401(app):
    schema = load_schema(app)
    printable = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=60)
    wrong = st.one_of(st.just({}), st.builds(
        lambda prefix, text: {"Authorization": prefix + text},
        st.sampled_from(["", "Bearer ", "Bearer chiso_", "Basic ", "bearer  "]), printable))
    for declared in (e for e in ENDPOINTS if e.auth):
        method, path = declared.method, declared.path
        operation = schema[path][method]
        own = {name: value for name, value in OWN.items() if name in declared.path_params}

        @given(case=operation.as_strategy(GenerationMode.POSITIVE, path_parameters=own),
               headers=wrong)
        @settings(FUZZ, max_examples=6)
        def refused(case, headers):
            response = case.call(headers=headers)
            assert response.status_code == 401, (method, path, response.status_code)
            assert "Authorization: Bearer" in response.json()["error"]
            assert response.headers["www-authenticate"] == ['Bearer realm="chiso"']

        refused()


# -- what the fuzzer found, kept as plain cases ---------------------------------------------
@pytest.fixture
def bearer(app):
    return {"Authorization": f"Bearer {token_of(app, 'province_admin')}"}


def test_api_urls_without_a_route_or_method_answer_json(app, bearer):
    client = app.test_client()
    missing = client.get("/api/v1/khong-co", headers=bearer)
    assert missing.status_code == 404 and missing.is_json
    assert missing.get_json()["error"] == "Không tìm thấy, hoặc không thuộc tỉnh của bạn."
    assert client.get("/api/v1/evidence/-1", headers=bearer).is_json  # not an <int:> id
    wrong_method = client.delete("/api/v1/schemes", headers=bearer)
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert wrong_method.get_json()["error"] == "Phương thức không được hỗ trợ ở địa chỉ này."
    assert "GET" in wrong_method.headers["Allow"]
    assert not client.get("/khong-co").is_json  # the web pages keep their HTML error page


def test_api_404s_from_shared_lookups_answer_json(app, bearer):
    client = app.test_client()
    no_period = client.get(f"/api/v1/assessments/{SCHEME}/2031/dienbien.so-tttt", headers=bearer)
    no_evidence = client.get("/api/v1/evidence/7", headers=bearer)
    too_large = client.get(f"/api/v1/evidence/{2**70}", headers=bearer)
    for response in (no_period, no_evidence, too_large):
        assert response.status_code == 404 and response.is_json, response.get_data()[:80]
        assert response.get_json()["error"] == "Không tìm thấy, hoặc không thuộc tỉnh của bạn."


# -- the error answers against the document (schemathesis' response_schema_conformance) ------
def _conforms(app, token, path, method, **request):
    """Send one request through schemathesis and check the answer with its
    response_schema_conformance check only (status, content type and body as documented)."""
    from schemathesis.specs.openapi.checks import response_schema_conformance
    operation = load_schema(app, token)[path][method]
    case = operation.Case(headers={"Authorization": f"Bearer {token}"}, **request)
    response = case.call()
    case.validate_response(response, checks=[response_schema_conformance])
    return response


def test_error_answers_have_the_documented_shape(app):
    """{"errors": {code: {field: message}}} or none at all: the 409 on a submitted assessment
    sent "errors": null, a stale version and a missing body sent {code: message}."""
    token = token_of(app, "province_admin")
    path = "/api/v1/assessments/{scheme_code}/{period_code}/{unit_code}"
    missing = _conforms(app, token, path, "PUT", path_parameters=OWN, body={"values": {}},
                        media_type="application/json")
    assert missing.status_code == 422 and "values" in missing.json()["errors"]["_"]
    saved = _conforms(app, token, path, "PUT", path_parameters=OWN,
                      body={"values": {"1.2": {"self_score": 10}}}, media_type="application/json")
    assert saved.status_code == 200
    stale = _conforms(app, token, path, "PUT", path_parameters=OWN,
                      body={"values": {"1.2": {"self_score": 12, "version": 99}}},
                      media_type="application/json")
    assert stale.status_code == 409 and "version" in stale.json()["errors"]["1.2"]
    submit_the_assessment(app, token)
    closed = _conforms(app, token, path, "PUT", path_parameters=OWN,
                       body={"values": {"1.2": {"self_score": 12}}}, media_type="application/json")
    assert closed.status_code == 409 and closed.json().get("errors") != None  # noqa: E711
