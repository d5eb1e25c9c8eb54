"""What a person types comes back escaped in every htmx fragment (issue 18, item 2)."""
from __future__ import annotations

import pytest

PAYLOAD = '<img src=x onerror=alert(1)><meta http-equiv="refresh" content="0;url=//evil.example">'


@pytest.mark.parametrize("params", [
    {"scheme": PAYLOAD, "code": "2022"},
    {"scheme": "dienbien-so-2022", "code": PAYLOAD},
])
def test_the_deadline_preview_escapes_what_was_typed(as_user, params):
    response = as_user("province_admin", "dienbien").get("/periods/deadline-preview",
                                                         query_string=params,
                                                         headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<img" not in page and "<meta" not in page
    assert 'class="error"' in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_deadline_preview_still_tells_the_calendar_deadline(as_user):
    page = as_user("province_admin", "dienbien").get(
        "/periods/deadline-preview", query_string={"scheme": "dienbien-so-2022", "code": "2022"},
        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Hạn" in page and "/20" in page and "<html" not in page
