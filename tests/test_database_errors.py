"""A database error answers in Vietnamese and says whether the disk is full: judged by the
database's own message, not by the SQL statement that failed (which may name user.full_name)."""
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError


def _failing(app, reason):
    def fail():
        raise OperationalError("SELECT user.full_name FROM user", {}, sqlite3.OperationalError(reason))
    app.add_url_rule("/test-database-error", "test_database_error", fail)
    return app.test_client()


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_a_busy_database_is_not_called_a_full_disk(app, headers):
    response = _failing(app, "database is locked").get("/test-database-error", headers=headers)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Cơ sở dữ liệu đang bận" in page and "hết dung lượng" not in page


def test_a_full_disk_is_named(app):
    response = _failing(app, "database or disk is full").get("/test-database-error")
    assert response.status_code == 507
    assert "Máy chủ hết dung lượng lưu trữ" in response.get_data(as_text=True)
