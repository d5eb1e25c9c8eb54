"""GET /healthz: what a load balancer (and the benchmark's floor) asks, with no login."""


def test_healthz_answers_ok_without_login_or_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert response.mimetype == "text/plain"
    assert "Set-Cookie" not in response.headers  # no session is started for it
