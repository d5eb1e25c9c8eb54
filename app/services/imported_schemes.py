"""Importing a scheme from a workbook: preview (every problem, or the differences from the
earlier version) and store (the same checks again, then all or nothing).

The web pages and the CLI share these two functions, so both print the same problems. The
workbook is read by app/catalogue/excel_reader.py, whose scheme the one loader validated; the
checks here are those only the database and the registry can answer: is the code free, do the
years overlap another version of the family, may this province continue that family, and has
a version about to be replaced results published or assessments sent (then it can only be
superseded), and would the new version take years an earlier one already has periods in.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from app.catalogue.excel_reader import WorkbookRefused, read_workbook_placed
from app.catalogue.model import Scheme
from app.catalogue.workbook_format import HEADER_SHEET, Problem, header_label
from app.extensions import db
from app.imported_registry import as_scheme
from app.models import Assessment, ImportedScheme, Period, Province, Publication
from app.plugins import Registry
from app.services import audit

MAX_BYTES = 5 * 1024 * 1024  # the reader's own limit (excel_reader.MAX_BYTES)
EXTENSIONS = ("xlsx",)  # the catalogue download, edited: the one import format (issue 13)
CODE = re.compile(r"(?=.{1,60}$)[a-z0-9]+(-[a-z0-9]+)*")
PUBLISHED = "đã công bố kết quả: chỉ có thể thay bằng phiên bản mới"
SENT = "đã có bản đánh giá được gửi hoặc thẩm định: chỉ có thể thay bằng phiên bản mới"


@dataclass
class Preview:
    """What an import would do: nothing if ``problems``; else store ``scheme`` (replacing
    ``replaces``, the province's earlier import of the same code, if any)."""
    filename: str
    problems: list = field(default_factory=list)
    scheme: Scheme | None = None
    earlier: Scheme | None = None  # the version the differences are measured from
    changes: list = field(default_factory=list)
    replaces: ImportedScheme | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.scheme is not None


class ImportRefused(Exception):
    """store() found problems: nothing was stored."""

    def __init__(self, problems: list):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def extension(filename: str) -> str:
    return Path(filename or "").suffix.lower().lstrip(".")


def preview(registry: Registry, province: Province, data: bytes, filename: str) -> Preview:
    """Read and check the file; the scheme it would store, or every problem found."""
    return _checked(registry, province, data, filename, lock=False)


def _checked(registry: Registry, province: Province, data: bytes, filename: str,
             lock: bool) -> Preview:
    """preview(); ``lock``: the periods of a version to be replaced are locked (SELECT … FOR
    UPDATE) until the caller commits, so that none is published meanwhile."""
    result = Preview(filename=Path(filename or "").name)
    try:
        scheme, lines = _read(registry, province, data, result.filename)
    except _Refused as refused:
        result.problems = refused.problems
        return result
    result.scheme = scheme
    result.problems = _placement_problems(registry, province, scheme, result, lines, lock)
    if not result.problems and result.earlier is not None:
        result.changes = _differences(result.earlier, scheme)
    return result


def store(registry: Registry, province: Province, user, data: bytes, filename: str) -> Preview:
    """Check again and add the scheme to the session, replacing an unpublished import of the
    same code; ImportRefused (nothing added) on any problem. The caller commits once: the
    checks and the write are one transaction, the replaced version's periods locked in it."""
    result = _checked(registry, province, data, filename, lock=True)
    if not result.ok:
        raise ImportRefused(result.problems)
    scheme = result.scheme
    if result.replaces is not None:
        db.session.delete(result.replaces)
        db.session.flush()  # the code is unique: the old row goes before the new one
    db.session.add(ImportedScheme(
        province_id=province.id, code=scheme.code, plugin=scheme.plugin, family=scheme.family,
        version=scheme.version, first_year=scheme.first_year, last_year=scheme.last_year,
        content=scheme.content, sha256=hashlib.sha256(scheme.content.encode()).hexdigest(),
        workbook=data, filename=result.filename[:255],
        imported_by_id=getattr(user, "id", None)))
    # the scheme's code may be longer than the audit's indicator-code column: it goes in "new"
    audit.record("catalogue.import", user=user,
                 new=f"{scheme.code} ({scheme.family}, phiên bản {scheme.version}) từ tệp "
                     f"{result.filename}",
                 reason="thay bản đã nhập, chưa công bố" if result.replaces is not None else None)
    return result


def committed(registry: Registry) -> None:
    """After the caller committed a store: this request (or command) sees it at once."""
    registry.imported.forget_check()


def source_of(code: str) -> ImportedScheme | None:
    """The current province's stored import of that code (tenant scoped), or None."""
    return db.session.scalar(select(ImportedScheme).where(ImportedScheme.code == code))


def source_file(code: str) -> ImportedScheme | None:
    """source_of() with the uploaded workbook loaded (the download of the source alone)."""
    return db.session.scalar(select(ImportedScheme).where(ImportedScheme.code == code)
                             .options(undefer(ImportedScheme.workbook)))


# -- reading ------------------------------------------------------------------------------
class _Refused(Exception):
    def __init__(self, problems: list):
        self.problems = problems


def _read(registry: Registry, province: Province, data: bytes,
          filename: str) -> tuple[Scheme, dict[str, int]]:
    """The file's scheme, validated by the one loader (the workbook reader checks the file's
    size and archive before it opens it), and the header sheet's line of each key. The plugin
    code is provisional: _placement_problems settles whose family the scheme continues."""
    if extension(filename) not in EXTENSIONS:
        raise _Refused([Problem("", None, None, f"«{filename}» không phải bảng Excel (.xlsx): "
                                                "hãy tải bảng của bộ chỉ số năm trước về, sửa "
                                                "rồi tải lên.")])
    try:
        return read_workbook_placed(data, province.code, registry.scoring_methods, filename)
    except WorkbookRefused as refused:
        raise _Refused(refused.problems) from None


# -- the checks only the registry and the database can make -------------------------------
def _placement_problems(registry: Registry, province: Province, scheme: Scheme,
                        result: Preview, lines: dict[str, int], lock: bool) -> list[Problem]:
    problems: list[Problem] = []

    def refuse(key: str, message: str) -> None:
        """A problem at the header line of ``key`` (its value is in column B)."""
        line = lines.get(key)
        problems.append(Problem(HEADER_SHEET, line, "B" if line else None, message,
                                header_label(key)))

    if not CODE.fullmatch(scheme.code):
        # it is a URL's part and a column of 60: the plugins' codes are written this way too
        refuse("code", f"mã «{scheme.code[:80]}» chỉ gồm chữ thường không dấu, số và dấu gạch "
                       "ngang, tối đa 60 ký tự (ví dụ dienbien-xa-2026)")
    if len(scheme.family) > 60:
        refuse("family", "họ bộ chỉ số dài quá 60 ký tự")
    if problems:
        return problems
    with_plugin = _family_plugin(registry, province, scheme, refuse)
    if with_plugin is None:
        return problems
    # the same content, owned as it will be stored (plugin and owner settled)
    scheme = as_scheme(scheme.content, scheme.code, with_plugin, province.code,
                       registry.scoring_methods)
    result.scheme = scheme
    existing = db.session.scalar(select(ImportedScheme).where(
        ImportedScheme.code == scheme.code))  # tenant scoped: this province's only
    taken = registry.schemes.get(scheme.code)
    if scheme.code in registry.plugin_schemes:
        refuse("code", f"mã «{scheme.code}» là mã của một bộ chỉ số có sẵn (plugin): "
                       "hãy đặt mã khác")
    elif existing is None and (taken is not None or _taken_elsewhere(scheme.code)):
        refuse("code", f"mã «{scheme.code}» đã có bộ chỉ số khác dùng: hãy đặt mã khác")
    elif existing is not None:
        in_use = _in_use(scheme.code, lock)
        if in_use:
            refuse("code", f"bộ chỉ số «{scheme.code}» {in_use}")
        result.replaces = existing
    family = [s for s in registry.family_versions(scheme) if s.code != scheme.code]
    for other in family:
        if other.version == scheme.version:
            refuse("version", f"họ «{scheme.family}» đã có phiên bản {scheme.version} "
                              f"(bộ «{other.code}»): hãy tăng số phiên bản")
    overlap = _overlapping(family, scheme)
    if overlap is not None:
        refuse("first_year", f"các năm áp dụng ({_span(family + [scheme], scheme)}) trùng "
                             f"với phiên bản {overlap.version} của họ «{scheme.family}» (bộ "
                             f"«{overlap.code}», {_span(family + [scheme], overlap)})")
    if problems:
        return problems
    before = [s for s in family if (s.first_year or 0) < (scheme.first_year or 0)]
    cut = _period_cut_off(before, scheme)
    if cut is not None:
        other, period = cut
        refuse("first_year", f"phiên bản {other.version} (bộ «{other.code}») đã có kỳ báo cáo "
                             f"{period.label}: phiên bản mới áp dụng từ năm {scheme.first_year} "
                             f"sẽ lấy mất năm đó của kỳ này; hãy chọn năm áp dụng sau "
                             f"{period.ident.year}")
        return problems
    replaced = registry.schemes.get(scheme.code) if existing is not None else None
    result.earlier = replaced or (before[-1] if before else None)
    return problems


def _family_plugin(registry: Registry, province: Province, scheme: Scheme, refuse) -> str | None:
    """The plugin code the scheme is stored under: that of the plugin whose family it
    continues, or the province's own for a new family. None (with the problem) if refused."""
    plugin_family = [s for s in registry.plugin_schemes.values() if s.family == scheme.family]
    if not plugin_family:
        return province.code
    plugin = plugin_family[0].plugin
    record = registry.plugin(plugin)
    if not province.plugin_enabled(plugin) or record is None:
        refuse("family", f"họ «{scheme.family}» thuộc plugin «{plugin}» mà tỉnh chưa bật: "
                     "hãy đặt họ mới cho bộ chỉ số này")
        return None
    if record.info.shared:
        # several provinces use a shared plugin: one province's version would change the
        # family (and its years) under the others
        refuse("family", f"họ «{scheme.family}» là bộ chỉ số dùng chung của plugin «{plugin}»: "
                     "phiên bản mới do plugin cung cấp; hãy đặt họ mới cho bộ của tỉnh")
        return None
    return plugin


def _taken_elsewhere(code: str) -> bool:
    """Another province imported this code (its row is not visible to this one's queries)."""
    from app import tenancy
    with tenancy.unscoped():
        return db.session.scalar(select(ImportedScheme.id).where(
            ImportedScheme.code == code)) is not None


def _in_use(code: str, lock: bool) -> str | None:
    """Why an unpublished import can no longer be replaced (None: it can): results published,
    or an assessment of its periods sent (or appraised) on its rows. ``lock``: the periods are
    locked first, so that nothing is published or opened under the replacement."""
    periods = select(Period.id).where(Period.scheme_code == code)
    if lock:
        db.session.scalars(periods.with_for_update()).all()
    if _published(code):
        return PUBLISHED
    sent = db.session.scalar(select(func.count(Assessment.id)).where(
        Assessment.period_id.in_(periods), Assessment.state != "draft"))
    return SENT if sent else None


def _period_cut_off(earlier: list[Scheme], scheme: Scheme) -> tuple[Scheme, Period] | None:
    """An earlier version's period in a year the new version would take from it (an
    open-ended version ends the year before the next one starts): that period's scores would
    belong to no version. The first such (version, period), or None."""
    by_code = {other.code: other for other in earlier}
    if not by_code:
        return None
    periods = db.session.scalars(select(Period).where(Period.scheme_code.in_(by_code))
                                 .order_by(Period.code)).all()  # tenant scoped
    for period in periods:
        if period.ident.year >= (scheme.first_year or 0):
            return by_code[period.scheme_code], period
    return None


def _published(code: str) -> bool:
    """Whether any period of the scheme has had its results published (withdrawn too: the
    figures were public, and a snapshot keeps them)."""
    return db.session.scalar(
        select(Publication.id).join(Period, Period.id == Publication.period_id)
        .where(Publication.scheme_code == code, Publication.published_at.is_not(None))
        .limit(1)) is not None


def _overlapping(family: list[Scheme], scheme: Scheme) -> Scheme | None:
    """The first other version whose years meet the new one's, once each version's last year
    is settled with the new one in the family (an open-ended earlier version ends the year
    before the new one starts: that is the normal case, not an overlap)."""
    everyone = family + [scheme]
    first, last = _years(everyone, scheme)
    for other in family:
        other_first, other_last = _years(everyone, other)
        if first <= other_last and other_first <= last:
            return other
    return None


def _years(schemes: list[Scheme], scheme: Scheme) -> tuple[int, int]:
    from app.catalogue import versions
    last = versions.last_year(schemes, scheme)
    return scheme.first_year or 0, 9999 if last is None else last


def _span(schemes: list[Scheme], scheme: Scheme) -> str:
    first, last = _years(schemes, scheme)
    return f"từ năm {first}" if last == 9999 else f"năm {first}–{last}"


def _differences(earlier: Scheme, later: Scheme) -> list:
    from app.catalogue.diff import differences
    return differences(earlier, later)
