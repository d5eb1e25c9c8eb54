"""Opening, locking and re-dating reporting periods."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app import periods as period_ids
from app.extensions import db
from app.models import Period, Province
from app.plugins import Registry

LATE_OPENING_DAYS = 30


class PeriodError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def calendar_deadline(registry: Registry, scheme_code: str, code: str,
                      province: Province | None = None) -> date:
    """The deadline the plugin's calendar gives a period of a scheme. Given the province that
    asks, a scheme it does not use is answered as one that does not exist: another province's
    imported scheme must not reveal its deadline, years or sibling versions."""
    scheme = registry.schemes.get(scheme_code)
    if scheme is None or (province is not None and not province.uses_scheme(scheme)):
        raise PeriodError("scheme", f"Không có bộ chỉ số «{scheme_code}».")
    try:
        ident = period_ids.parse(code)
    except period_ids.PeriodError as exc:
        raise PeriodError("code", str(exc)) from exc
    applying = registry.version_for(scheme, ident.year)
    if applying is not scheme:
        end = registry.last_year(scheme)
        span = (f"năm {scheme.first_year}–{end}" if end is not None
                else f"từ năm {scheme.first_year}")
        other = (f"; năm {ident.year} áp dụng «{applying.code}» (phiên bản {applying.version})"
                 if applying is not None else
                 f"; chưa có phiên bản nào của họ «{scheme.family}» áp dụng cho năm {ident.year}")
        raise PeriodError("code", f"Bộ chỉ số «{scheme_code}» (phiên bản {scheme.version}) "
                                  f"chỉ áp dụng {span}{other}.")
    calendar = registry.calendar(scheme)
    if calendar is None:
        raise PeriodError("scheme", f"Plugin của «{scheme_code}» không khai báo lịch báo cáo.")
    if ident.type not in calendar.period_types:
        kinds = ", ".join(period_ids.TYPE_LABELS[t].lower() for t in calendar.period_types)
        raise PeriodError("code", f"Bộ chỉ số «{scheme_code}» báo cáo theo kỳ: {kinds}; "
                                  f"kỳ «{code}» không phù hợp.")
    return calendar.deadline(ident)


def open_period(registry: Registry, scheme_code: str, code: str, today: date,
                deadline: date | None = None) -> tuple[Period, bool]:
    """Open a period (or re-open a locked one). Returns (period, created).

    When the calendar's deadline has already passed, the period gets ``deadline`` or, by
    default, 30 days from today: an admin opening late must leave units time to report."""
    due = calendar_deadline(registry, scheme_code, code)
    if deadline is not None and deadline < today:
        raise PeriodError("deadline", "Hạn nộp mới phải từ hôm nay trở đi.")
    if due < today:
        due = deadline or today + timedelta(days=LATE_OPENING_DAYS)
    elif deadline is not None:
        due = deadline
    ident = period_ids.parse(code)
    period = db.session.scalar(select(Period).where(Period.scheme_code == scheme_code,
                                                    Period.code == ident.code))
    if period is not None:
        if period.state != "open":
            period.state = "open"
        return period, False
    period = Period(scheme_code=scheme_code, code=ident.code, type=ident.type, deadline=due)
    db.session.add(period)
    db.session.flush()
    return period, True


def replaced_deadline_note(registry: Registry, period: Period, today: date) -> str:
    """Why a period's deadline is not its calendar's, so an admin opening late is not surprised:
    «hạn theo lịch 25/11/2026 đã qua; hạn mới 01/01/2027» (empty when the calendar's stands)."""
    due = calendar_deadline(registry, period.scheme_code, period.code)
    if due >= today or period.deadline == due:
        return ""
    return f"hạn theo lịch {due:%d/%m/%Y} đã qua; hạn mới {period.deadline:%d/%m/%Y}"
