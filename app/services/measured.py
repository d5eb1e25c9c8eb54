"""Measured rows: a catalogue row marked ``measured = { source = "…" }`` takes its value from
that system through the API (a system token, app.api.measured), never from the unit. The value
is the unit's assessment value; its score is whatever the row's method computes from it (no
score is ever stored as the unit's own); the answer keeps which system sent it, the time the
data refers to and when it arrived; the audit trail names the system."""
from __future__ import annotations

from datetime import date, datetime

from app import clock
from app.catalogue.model import Row
from app.models import Answer, Assessment
from app.services import assessments as svc
from app.services.system_tokens import normal_name

AS_OF_LIMIT = 40  # characters of an ISO date-time with an offset, and some room
EARLIEST = date(2000, 1, 1)
# The fields a system writes; the unit's own (self-score, explanation, …) are not its to touch.
VALUE_FIELDS = ("value", "numerator", "denominator", "text")


def person_refusal(row: Row) -> str | None:
    """Why a person (unit user, admin; form, API or Excel) may not write this row; None when it
    is declared and theirs to fill."""
    if not row.measured_source:
        return None
    return (f"Chỉ tiêu {row.code} được đo tự động từ {row.measured_source}: số liệu do hệ "
            "thống gửi qua API, đơn vị không nhập hay sửa được.")


def system_refusal(row: Row, system_name: str) -> str | None:
    """Why a system may not write this row: it is declared by the unit, or measured by
    another system; None when the row is this system's."""
    if not row.measured_source:
        return (f"Chỉ tiêu {row.code} do đơn vị tự khai, không đo tự động: hệ thống không ghi "
                "được.")
    if normal_name(row.measured_source) != normal_name(system_name):
        return (f"Chỉ tiêu {row.code} được đo từ {row.measured_source}, không phải từ hệ thống "
                f"«{system_name}» của mã truy cập này.")
    return None


def parse_as_of(text) -> datetime:
    """The time the data refers to: "2026-11-30" (that day) or an ISO date-time; with an offset
    it is turned into Vietnam time, without one it is read as Vietnam time. Not before 2000, not
    after today. Raises ValueError with the Vietnamese reason."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("thiếu as_of: thời điểm số liệu, ví dụ \"2026-11-30\"")
    text = text.strip()
    try:
        if len(text) > AS_OF_LIMIT:
            raise ValueError
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"as_of «{text[:AS_OF_LIMIT]}» không phải ngày (2026-11-30) hoặc "
                         "ngày giờ ISO (2026-11-30T17:00:00+07:00)") from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(clock.VIETNAM).replace(tzinfo=None)
        except OverflowError:  # year 1 at +14:00 or 9999 at -12:00 falls off the calendar
            raise ValueError(f"as_of «{text}» nằm ngoài khoảng cho phép: từ "
                             f"{EARLIEST:%d/%m/%Y} đến hôm nay") from None
    if moment.date() < EARLIEST:
        raise ValueError(f"as_of không được trước {EARLIEST:%d/%m/%Y}")
    if moment.date() > clock.today():
        raise ValueError("as_of không được sau hôm nay: số liệu chưa có")
    return moment


def write(assessment: Assessment, answer: Answer | None, row: Row, values: dict,
          as_of: datetime, principal) -> Answer:
    """Store a system's value for one measured row in the caller's transaction, audited as
    that system with the time the data refers to. ``values`` are parse_row's."""
    wanted = {name: values.get(name) for name in VALUE_FIELDS}
    # Whatever a score box once held, a measured value is scored by its method alone.
    wanted["self_score"] = None
    wanted["measured_by"] = principal.system_name
    wanted["measured_as_of"] = as_of
    reason = f"Đo tự động từ {principal.system_name}, số liệu ngày {as_of:%d/%m/%Y}"
    answer = svc.apply_changes(assessment, answer, row.code, svc.changes_of(answer, wanted),
                               principal, reason, action="answer.measured")
    answer.measured_at = datetime.utcnow()  # a fresh receipt, even of the same figure
    return answer
