"""Filling in an assessment: which rows a user fills, saving a row, progress, submission."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import scoring
from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Answer, Assessment, EvidenceLink, Period, Question, Unit
from app.models.assessment import EDITABLE_STATES
from app.services import audit
from app.services.numbers import parse_number

TEXT_LIMIT = 5000


class EntryError(ValueError):
    """A state that forbids the action (period locked, submitted, past the deadline): 409."""


@dataclass
class Conflict(Exception):
    """Someone saved this row after the user loaded it: 409 with their answer."""
    answer: Answer


@dataclass
class RowErrors(Exception):
    """Invalid input for one row, by field; nothing was stored."""
    errors: dict[str, str]


# -- which rows, which units ---------------------------------------------------------------
def visible_rows(scheme: Scheme, period: Period, writer: Unit | None = None) -> list[Row]:
    """The leaves filled in this period: a scheme reported at several period types (Yên Bái's
    KPIs) shows only the rows of this period's type; an agency sees only the rows it leads."""
    rows = [r for r in scheme.leaves if r.period == period.type]
    if writer is not None and any(r.lead_unit for r in rows) and writer.type in ("so", "co_quan"):
        rows = [r for r in rows if r.lead_unit == writer.code]
    return rows


def assessed_unit(scheme: Scheme, user_unit: Unit) -> Unit | None:
    """The unit whose assessment a unit user fills: its own, or the province for the KPIs its
    agency leads (Yên Bái: the province is assessed, each agency writes its KPIs)."""
    if user_unit.type in scheme.unit_types:
        return user_unit
    if "tinh" in scheme.unit_types and any(r.lead_unit == user_unit.code for r in scheme.leaves):
        return db.session.scalar(select(Unit).where(Unit.type == "tinh", Unit.valid_to.is_(None)))
    return None


def get_assessment(scheme: Scheme, period: Period, unit: Unit, create: bool = False):
    found = _find_assessment(period, unit)
    if found is None and create:
        made = Assessment(scheme_code=scheme.code, scheme_version=scheme.version,
                          period_id=period.id, unit_id=unit.id, state="draft")
        try:
            with db.session.begin_nested():  # a savepoint: losing the race undoes only this
                db.session.add(made)
        except IntegrityError:
            # Two first writes at once: the other made the unit's assessment a moment ago
            # (PostgreSQL waited for its commit). Write into that one.
            found = _find_assessment(period, unit)
            if found is None:
                raise
        else:
            found = made
    return found


def _find_assessment(period: Period, unit: Unit) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.period_id == period.id,
                                                      Assessment.unit_id == unit.id))


def answers_by_code(assessment: Assessment | None) -> dict[str, Answer]:
    return {a.code: a for a in assessment.answers} if assessment is not None else {}


def evidence_by_code(assessment: Assessment | None,
                     codes: Collection[str] | None = None) -> dict[str, list[EvidenceLink]]:
    """The evidence links of the assessment's rows (of ``codes`` only, when given)."""
    if assessment is None:
        return {}
    # The form shows each link's file: load them in the same query, not one query per link.
    stmt = select(EvidenceLink).where(EvidenceLink.assessment_id == assessment.id)
    if codes is not None:
        stmt = stmt.where(EvidenceLink.code.in_(sorted(codes)))
    links = db.session.scalars(stmt.options(joinedload(EvidenceLink.evidence, innerjoin=True))
                               .order_by(EvidenceLink.id)).all()
    grouped: dict[str, list[EvidenceLink]] = {}
    for link in links:
        grouped.setdefault(link.code, []).append(link)
    return grouped


def evidence_counts(assessment: Assessment | None) -> dict[str, int]:
    """How many evidence links each row has: what the form's row summaries show, from one
    aggregate (no link or file objects built for a page that lists none)."""
    if assessment is None:
        return {}
    return dict(db.session.execute(
        select(EvidenceLink.code, func.count()).where(EvidenceLink.assessment_id == assessment.id)
        .group_by(EvidenceLink.code)).all())


# -- editability ----------------------------------------------------------------------------
def edit_block(assessment: Assessment | None, period: Period, today: date,
               code: str | None = None, published: bool | None = None) -> str | None:
    """Why the assessment (or, with ``code``, that row) cannot be edited now, in Vietnamese;
    None when it can. ``published``: whether the period's results are out, when the caller
    has read its publication already."""
    if period.state != "open":
        return "Kỳ báo cáo đã khóa."
    if assessment is not None and assessment.state == "returned":
        return _returned_block(assessment, today, code)
    if assessment is not None and assessment.state not in EDITABLE_STATES:
        return f"Hồ sơ {assessment.state_label.lower()}: không sửa được nữa."
    if (assessment is None or assessment.state == "draft") and (
            _published(period) if published is None else published):
        # Publication turns every assessment to "published": a draft in a published period is
        # one a unit that had none is just starting, which would change published results.
        return "Kết quả kỳ này đã công bố: không nhập thêm được."
    reopened = assessment is not None and assessment.reopened_until is not None \
        and assessment.reopened_until.date() >= today
    if today > period.deadline and not reopened:
        return f"Đã quá hạn nộp {period.deadline:%d/%m/%Y}. Liên hệ quản trị tỉnh để được mở lại."
    return None


def _published(period: Period) -> bool:
    from app.services.rankings import current_publication
    return current_publication(period) is not None


def _returned_block(assessment: Assessment, today: date, code: str | None) -> str | None:
    """A returned assessment opens only its questioned and re-opened rows, whatever the
    period's deadline; the assessment as a whole goes back through «Nộp lại»."""
    if code is None:
        return ("Hồ sơ được trả lại để giải trình: chỉ sửa được các chỉ tiêu được hỏi hoặc được "
                "mở lại, rồi bấm «Nộp lại sau giải trình».")
    if code in editable_codes(assessment, today):
        return None
    return (f"Chỉ tiêu {code} không nằm trong yêu cầu giải trình hoặc đã quá hạn trả lời: "
            "không sửa được.")


def open_codes(assessment: Assessment | None, period: Period, today: date) -> set[str]:
    """The rows edit_block(…, code) lets through for a returned assessment, found at once:
    asking edit_block row by row reads the questions again for every row."""
    return editable_codes(assessment, today) if period.state == "open" else set()


def editable_codes(assessment: Assessment | None, today: date) -> set[str]:
    """The rows a returned assessment lets the unit edit: those questioned in the current round
    whose answer-by date has not passed, and those re-opened after appraisal."""
    if assessment is None or assessment.state != "returned":
        return set()
    asked = db.session.scalars(select(Question.code).where(
        Question.assessment_id == assessment.id, Question.answer_by >= today,
        Question.asked_at >= assessment.submitted_at)).all()
    reopened = {a.code for a in assessment.answers if a.reopened_at is not None}
    return set(asked) | reopened


# -- saving one row -------------------------------------------------------------------------
def parse_row(row: Row, form: dict) -> dict:
    """Validate one row's fields; return the values to store, or raise RowErrors."""
    errors: dict[str, str] = {}
    values: dict = {"value": None, "numerator": None, "denominator": None, "text": None}

    def number(name, label, low=None, high=None):
        try:
            value = parse_number(form.get(name))
        except ValueError as exc:
            errors[name] = f"{label}: {exc}."
            return None
        if value is not None and low is not None and value < low:
            errors[name] = f"{label} không được nhỏ hơn {low}."
        elif value is not None and high is not None and value > high:
            errors[name] = f"{label} không được lớn hơn {high}."
        return value

    if row.input == "boolean":
        choice = form.get("value", "")
        values["value"] = {"1": Decimal(1), "0": Decimal(0)}.get(choice)
    elif row.input == "percent":
        values["value"] = number("value", "Tỷ lệ (%)", 0, 100)
    elif row.input in ("number", "amount"):
        values["value"] = number("value", "Số tiền (đồng)" if row.input == "amount" else "Giá trị", 0)
    elif row.input == "fraction":
        values["numerator"] = number("numerator", "Tử số", 0)
        values["denominator"] = number("denominator", "Mẫu số", 0)
        num, den = values["numerator"], values["denominator"]
        if den == 0:
            errors["denominator"] = "Mẫu số phải lớn hơn 0."
        elif num is not None and den is not None and num > den:
            errors["numerator"] = "Tử số không được lớn hơn mẫu số."
        elif (num is None) != (den is None) and "numerator" not in errors \
                and "denominator" not in errors:
            missing = "denominator" if den is None else "numerator"
            errors[missing] = "Cần nhập cả tử số và mẫu số."
    elif row.input == "text":
        values["text"] = (form.get("text") or "").strip() or None
    values["self_score"] = None
    if row.max_points is not None:
        values["self_score"] = number("self_score", "Điểm tự chấm", 0, row.max_points)
    values["not_assessed"] = bool(form.get("not_assessed")) and row.not_assessable
    values["not_assessed_reason"] = (form.get("not_assessed_reason") or "").strip() or None
    if values["not_assessed"] and not values["not_assessed_reason"]:
        errors["not_assessed_reason"] = "Vui lòng ghi lý do «không đánh giá»."
    for name, label in (("explanation", "Giải trình"), ("no_evidence_reason", "Lý do không có tài liệu")):
        text = (form.get(name) or "").strip()
        if len(text) > TEXT_LIMIT:
            errors[name] = f"{label} dài quá {TEXT_LIMIT} ký tự."
        values[name] = text or None
    if errors:
        raise RowErrors(errors)
    # An empty score box stays empty: the method's proposal is worked out from the value each
    # time it is shown or counted (app.scoring), never stored as a score the unit typed.
    return values


def save_row(assessment: Assessment, row: Row, form: dict, user, today: date,
             period: Period, published: bool | None = None) -> Answer:
    """Store one row, or raise RowErrors / Conflict / EntryError. One transaction, audited.
    ``published``: as for ``edit_block``."""
    blocked = edit_block(assessment, period, today, row.code, published)
    if blocked:
        raise EntryError(blocked)
    if row.measured_source:
        from app.services.measured import person_refusal  # it builds on this module
        raise RowErrors({"_": person_refusal(row)})
    values = parse_row(row, form)
    answer = answers_by_code(assessment).get(row.code)
    sent_version = form.get("version") or None
    if answer is not None and sent_version is not None and str(answer.version) != str(sent_version):
        raise Conflict(answer)
    answer = apply_changes(assessment, answer, row.code, changes_of(answer, values), user)
    try:
        _commit_keeping_loaded(answer)
    except (StaleDataError, IntegrityError):
        # IntegrityError: two tabs saved the same never-saved row (the form sends version 0)
        # at the same moment and the other made the answer first: the same 409 as a saved row.
        db.session.rollback()
        fresh = db.session.scalar(select(Answer).where(Answer.assessment_id == assessment.id,
                                                       Answer.code == row.code))
        raise Conflict(fresh) from None
    return answer


def changes_of(answer: Answer | None, values: dict) -> dict[str, tuple]:
    """{field: (stored, new)} for the values that differ from what the answer holds."""
    return {name: (old, new) for name, new in values.items()
            if _differs(old := getattr(answer, name, None), new)}


def apply_changes(assessment: Assessment, answer: Answer | None, code: str, changes: dict,
                  user, reason: str | None = None, action: str = "answer.save") -> Answer:
    """Write ``changes`` (``changes_of``) into the row's answer, made if missing, and into the
    audit trail, in the caller's transaction: the form, the API and the Excel import alike."""
    if answer is None:
        answer = Answer(assessment=assessment, code=code)
        db.session.add(answer)
    for name, (old, new) in changes.items():
        setattr(answer, name, new)
        audit.record(action, assessment=assessment, code=code, field=name, old=old,
                     new=new, reason=reason, user=user)
    answer.updated_at, answer.updated_by_id = datetime.utcnow(), getattr(user, "id", None)
    return answer


def _commit_keeping_loaded(answer: Answer) -> None:
    """Commit without expiring what the request has loaded: the form drawn next uses the same
    user, unit, period, assessment and answers, which the save did not change, and expiring
    them would read them all again. Only the saved answer is read back (the database rounds its
    numbers to 4 decimal places)."""
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
    session.expire(answer)


def _differs(old, new) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return (old is None) != (new is None) or (old is not None and Decimal(old) != Decimal(new))
    return (old or None) != (new or None) if not isinstance(new, bool) else bool(old) != new


# -- progress and submission ----------------------------------------------------------------
@dataclass
class Progress:
    required: int = 0
    answered: int = 0
    evidence_missing: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (code, what is missing)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.required) if self.required else 100

    @property
    def complete(self) -> bool:
        return not self.missing


def is_answered(answer: Answer | None) -> bool:
    if answer is None:
        return False
    if answer.not_assessed:
        return bool(answer.not_assessed_reason)
    return any(v is not None for v in (answer.value, answer.numerator, answer.text,
                                       answer.self_score))


def progress(rows: list[Row], answers: dict[str, Answer], evidence: dict[str, list]) -> Progress:
    # A measured row is not the unit's to fill: its value comes from a system (or has not come
    # yet, which the form says), so it counts neither toward progress nor against submission.
    rows = [row for row in rows if not row.measured_source]
    result = Progress(required=len(rows))
    for row in rows:
        answer = answers.get(row.code)
        if is_answered(answer):
            result.answered += 1
        else:
            result.missing.append((row.code, "chưa có giá trị hoặc điểm tự chấm"))
        needs_evidence = row.evidence_required and not (answer and answer.not_assessed)
        if needs_evidence and not evidence.get(row.code) and not (answer and answer.no_evidence_reason):
            result.evidence_missing.append(row.code)
            result.missing.append((row.code, "chưa có tài liệu kiểm chứng hoặc lý do không có"))
    return result


# A shared assessment (Yên Bái's KPIs: the province is assessed, each agency writes the rows it
# leads) is submitted and withdrawn by whoever answers for all of it, the province admin or the
# assessed unit's own users, once every agency's rows are complete. An agency writes and
# answers questions on its own rows only.
SHARED_SUBMIT = ("Hồ sơ này do nhiều cơ quan cùng nhập: chỉ quản trị tỉnh (đầu mối của tỉnh) "
                 "nộp, rút hoặc nộp lại hồ sơ, khi mọi cơ quan đã nhập đủ phần của mình.")


def may_submit(writer) -> bool:
    """Whether the one writing (``writer``: None for all rows, an agency for its own rows,
    False for a reader) may submit, withdraw or resubmit the whole assessment."""
    return writer is None


def submit(assessment: Assessment, rows: list[Row], user, today: date) -> None:
    """Submit the assessment; ``rows`` are all its rows of the period (``visible_rows`` without
    a writer), whoever submits."""
    blocked = edit_block(assessment, assessment.period, today)
    if blocked:
        raise EntryError(blocked)
    state = progress(rows, answers_by_code(assessment), evidence_by_code(assessment))
    if not state.complete:
        raise EntryError(f"Còn {len(state.missing)} mục chưa hoàn thành.")
    old = assessment.state
    assessment.state = "submitted"
    assessment.submitted_at = datetime.utcnow()
    audit.record("assessment.submit", assessment=assessment, field="state", old=old,
                 new="submitted", user=user)
    db.session.commit()


def withdraw(assessment: Assessment, user) -> None:
    """The unit takes its submission back while no appraiser has started."""
    if assessment.state != "submitted":
        raise EntryError("Chỉ rút lại được hồ sơ đã nộp và chưa thẩm định.")
    if assessment.appraisal_started_at is not None:
        raise EntryError("Thẩm định viên đã bắt đầu thẩm định hồ sơ: không rút lại được nữa.")
    assessment.state = "draft"
    assessment.submitted_at = None
    audit.record("assessment.withdraw", assessment=assessment, field="state", old="submitted",
                 new="draft", user=user)
    db.session.commit()


def scores(scheme: Scheme, answers: dict[str, Answer], methods: scoring.Methods,
           unit_type: str | None = None) -> scoring.Totals:
    """One unit's totals from its answers alone (no group: for schemes without relative rows,
    ``app.services.rankings.unit_totals`` otherwise)."""
    entries = {code: to_entry(a) for code, a in answers.items()}
    return scoring.totals(scheme, entries, methods, unit_type=unit_type)


def to_entry(answer: Answer) -> scoring.Entry:
    return scoring.Entry(value=answer.value, numerator=answer.numerator,
                         denominator=answer.denominator, text=answer.text,
                         self_score=answer.self_score, appraised_score=answer.appraised_score,
                         not_assessed=answer.not_assessed)
