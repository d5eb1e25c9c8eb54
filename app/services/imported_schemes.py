"""Importing a scheme from a workbook: preview (every problem, or the differences from the
earlier version) and store (the same checks again, then all or nothing).

The web pages and the CLI share these two functions, so both print the same problems. The
workbook is read by app/catalogue/excel_reader.py, whose scheme the one loader validated; the
checks here are those only the database and the registry can answer: is the code free, do the
years overlap another version of the family, may this province continue that family, and has
a version about to be replaced published results (then it can only be superseded).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.catalogue.excel_reader import WorkbookRefused, read_workbook
from app.catalogue.loader import CatalogueError, parse_scheme
from app.catalogue.model import Scheme
from app.catalogue.workbook_format import HEADER_SHEET, Problem, header_label
from app.extensions import db
from app.imported_registry import as_scheme
from app.models import ImportedScheme, Period, Province, Publication
from app.plugins import Registry
from app.services import audit

MAX_BYTES = 5 * 1024 * 1024  # the reader's own limit (excel_reader.MAX_BYTES), for every file
EXTENSIONS = ("xlsx", "toml")  # the workbook, or the TOML form docs/catalogue-format.md shows
PUBLISHED = "đã công bố kết quả: chỉ có thể thay bằng phiên bản mới"


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
    result = Preview(filename=Path(filename or "").name)
    try:
        scheme = _read(registry, province, data, result.filename)
    except _Refused as refused:
        result.problems = refused.problems
        return result
    result.scheme = scheme
    result.problems = _placement_problems(registry, province, scheme, result, data)
    if not result.problems and result.earlier is not None:
        result.changes = _differences(result.earlier, scheme)
    return result


def store(registry: Registry, province: Province, user, data: bytes, filename: str) -> Preview:
    """Check again and add the scheme to the session, replacing an unpublished import of the
    same code; ImportRefused (nothing added) on any problem. The caller commits once."""
    result = preview(registry, province, data, filename)
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
    audit.record("catalogue.import", code=scheme.code[:20], user=user,
                 new=f"{result.filename} ({scheme.family} phiên bản {scheme.version})",
                 reason="thay bản đã nhập" if result.replaces is not None else None)
    return result


def committed(registry: Registry) -> None:
    """After the caller committed a store: this request (or command) sees it at once."""
    registry.imported.forget_check()


def source_of(code: str) -> ImportedScheme | None:
    """The current province's stored import of that code (tenant scoped), or None."""
    return db.session.scalar(select(ImportedScheme).where(ImportedScheme.code == code))


# -- reading ------------------------------------------------------------------------------
class _Refused(Exception):
    def __init__(self, problems: list):
        self.problems = problems


def _read(registry: Registry, province: Province, data: bytes, filename: str) -> Scheme:
    """The file's scheme, validated by the one loader (the workbook reader checks the file's
    size and archive before it opens it). The plugin code is provisional:
    _placement_problems settles whose family the scheme continues."""
    kind = extension(filename)
    if kind not in EXTENSIONS:
        raise _Refused([Problem("", None, None, f"«{filename}» không phải bảng Excel (.xlsx): "
                                                "hãy tải bảng của bộ chỉ số năm trước về, sửa "
                                                "rồi tải lên.")])
    if kind == "xlsx":
        try:
            return read_workbook(data, province.code, registry.scoring_methods, filename)
        except WorkbookRefused as refused:
            raise _Refused(refused.problems) from None
    if len(data) > MAX_BYTES:
        raise _Refused([Problem("", None, None, f"tệp lớn hơn {MAX_BYTES // 2**20} MB.")])
    try:
        return parse_scheme(data, filename, province.code, registry.scoring_methods)
    except CatalogueError as exc:
        where = f"Mã «{exc.code}»: " if exc.code is not None else ""
        raise _Refused([Problem("", None, None, where + exc.detail)]) from None


# -- the checks only the registry and the database can make -------------------------------
def _placement_problems(registry: Registry, province: Province, scheme: Scheme,
                        result: Preview, data: bytes) -> list[Problem]:
    problems: list[Problem] = []
    lines = _header_lines(data) if extension(result.filename) == "xlsx" else {}

    def refuse(key: str, message: str) -> None:
        """A problem at the header line of ``key`` (its value is in column B)."""
        if extension(result.filename) != "xlsx":  # the TOML form: no sheet to point at
            problems.append(Problem("", None, None, f"{header_label(key)}: {message}"))
            return
        line = lines.get(key)
        problems.append(Problem(HEADER_SHEET, line, "B" if line else None, message,
                                header_label(key)))

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
        refuse("code", f"mã «{scheme.code}» là mã của một bộ chỉ số có sẵn (plugin): hãy đặt mã khác")
    elif existing is None and (taken is not None or _taken_elsewhere(scheme.code)):
        refuse("code", f"mã «{scheme.code}» đã có bộ chỉ số khác dùng: hãy đặt mã khác")
    elif existing is not None:
        if _published(scheme.code):
            refuse("code", f"bộ chỉ số «{scheme.code}» {PUBLISHED}")
        result.replaces = existing
    family = [s for s in registry.family_versions(scheme) if s.code != scheme.code]
    for other in family:
        if other.version == scheme.version:
            refuse("version", f"họ «{scheme.family}» đã có phiên bản {scheme.version} "
                                f"(bộ «{other.code}»): hãy tăng số phiên bản")
    overlap = _overlapping(family, scheme)
    if overlap is not None:
        refuse("first_year", f"các năm áp dụng ({_span(family + [scheme], scheme)}) trùng với "
                          f"phiên bản {overlap.version} của họ «{scheme.family}» (bộ "
                          f"«{overlap.code}», {_span(family + [scheme], overlap)})")
    if problems:
        return problems
    before = [s for s in family if (s.first_year or 0) < (scheme.first_year or 0)]
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


def _header_lines(data: bytes) -> dict[str, int]:
    """Key → line of the workbook's header sheet (the reader has checked the file already)."""
    import io
    import warnings

    from openpyxl import load_workbook

    from app.catalogue.workbook_format import fold
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        sheet = next(book[t] for t in book.sheetnames if fold(t) == fold(HEADER_SHEET))
        return {str(key).strip(): number for number, (_label, _value, key) in enumerate(
            sheet.iter_rows(max_col=3, max_row=200, values_only=True), start=1) if key}
    except (StopIteration, ValueError):
        return {}
    finally:
        book.close()


def _taken_elsewhere(code: str) -> bool:
    """Another province imported this code (its row is not visible to this one's queries)."""
    from app import tenancy
    with tenancy.unscoped():
        return db.session.scalar(select(ImportedScheme.id).where(
            ImportedScheme.code == code)) is not None


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
