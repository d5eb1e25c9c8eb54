"""Finding province plugins, registering them, and keeping a report of broken ones.

Plugins are found through the entry-point group ``chiso.plugins``. Each registration hook is
called plugin by plugin, so that one plugin that fails (import error, a hook that raises, a
catalogue that does not validate) is marked broken, logged and shown on the superadmin page,
while the others go on working.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import wraps
from importlib.metadata import entry_points

import pluggy

from app import hookspecs
from app.calendar import default_calendar
from app.catalogue import versions
from app.catalogue.loader import CatalogueError, load_scheme
from app.catalogue.model import Scheme
from app.imported_registry import ImportedSchemes
from app.scoring import core
from app.scoring.methods import ScoringMethod, check
from app.unit_rows import check_units

ENTRY_POINT_GROUP = "chiso.plugins"
log = logging.getLogger(__name__)


class ScoringUnavailable(RuntimeError):
    """A plugin's scoring method failed while serving: the plugin is marked broken and the
    page says that the scheme's scoring is unavailable, instead of a 500."""

    def __init__(self, plugin: str, method: str):
        super().__init__(f"phương pháp chấm «{method}» của plugin «{plugin}» bị lỗi")
        self.plugin, self.method = plugin, method


@dataclass(frozen=True)
class PluginInfo:
    code: str
    province: str  # the province's name, e.g. "Điện Biên"
    official_code: str  # GSO code of the province, e.g. "11"
    version: str
    # A province's plugin serves that province only (the province whose code is the plugin's);
    # a national or shared scheme set (a ministry's, a region's) says shared=True and any
    # province may enable it.
    shared: bool = False

    def serves(self, province_code: str) -> bool:
        return self.shared or self.code == province_code


@dataclass
class PluginRecord:
    name: str  # the entry point's name
    info: PluginInfo | None = None
    error: str | None = None
    schemes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def code(self) -> str:
        return self.info.code if self.info else self.name


class SchemeTable(dict):
    """Every scheme by code, as ``Registry.schemes`` answers it. A scheme written into it is
    a plugin's (a test installing a later version of a plugin file): it is kept in the plugins'
    schemes, so that it survives the next refresh of the imported ones."""

    def __init__(self, plugin_schemes: dict[str, Scheme], imported: dict[str, Scheme]):
        super().__init__({**imported, **plugin_schemes})
        self._plugins = plugin_schemes

    def __setitem__(self, code: str, scheme: Scheme) -> None:
        self._plugins[code] = scheme
        super().__setitem__(code, scheme)


class Registry:
    """Everything the installed plugins contributed, checked once at start-up."""

    def __init__(self):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        # The plugins' schemes, loaded once; the imported ones come from the database (they
        # may change while the server runs): ``schemes`` serves both.
        self.plugin_schemes: dict[str, Scheme] = {}
        self.imported = ImportedSchemes()
        self._merged: tuple[dict, dict[str, Scheme]] | None = None
        # Every scoring method by name: the core's, registered first by the built-in default
        # plugin through the same hook as a province's, then each working plugin's own.
        self.scoring_methods: dict[str, ScoringMethod] = {}
        self.pm.register(core, name=core.NAME)
        self.scoring_methods.update(self._scoring_methods(core.NAME))

    # -- discovery -------------------------------------------------------------------------
    def discover(self, extra: list | None = None, names=None) -> Registry:
        """Register the installed plugins (only the entry points ``names`` when given: the
        core's tests name theirs, so that another installed plugin does not change them), then
        the ``extra`` plugin objects."""
        found = entry_points(group=ENTRY_POINT_GROUP)
        if names is not None:
            found = [ep for ep in found if ep.name in set(names)]
        for ep in sorted(found, key=lambda e: e.name):
            try:
                module = ep.load()
            except Exception as exc:  # an import error must not take the site down
                self._broken(PluginRecord(ep.name), f"không nạp được: {exc!r}")
                continue
            self.add(ep.name, module)
        for plugin in extra or []:
            self.add(getattr(plugin, "__name__", type(plugin).__name__), plugin)
        return self

    def add(self, name: str, plugin) -> None:
        record = PluginRecord(name)
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
            info = self._call_one(name, "chiso_plugin")
            if not isinstance(info, PluginInfo):
                # kept off the record: pages and `plugins list` read record.info's fields
                raise TypeError("chiso_plugin phải trả về app.plugins.PluginInfo, không phải "
                                f"{type(info).__name__}")
            record.info = info
            if record.info.code in {r.code for r in self.records.values() if r.ok}:
                raise ValueError(f"mã plugin «{record.info.code}» đã có plugin khác dùng")
            methods = self._scoring_methods(name)
            # a plugin's catalogues may use the core's methods and its own
            schemes = [load_scheme(path, record.info.code, {**self.scoring_methods, **methods})
                       for path in self._call_one(name, "chiso_schemes") or []]
            versions.check(schemes)
            for scheme in schemes:
                if scheme.code in self.plugin_schemes:
                    raise CatalogueError(f"mã bộ chỉ số «{scheme.code}» bị trùng")
            # Units are loaded by `provinces setup`; checked here too, so that a wrong file is
            # reported when the plugin is installed, not half-way through a setup.
            check_units(list(self._call_one(name, "chiso_units") or []), info.code,
                        info.official_code)
        except Exception as exc:
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            self._broken(record, str(exc))
            return
        for scheme in schemes:
            self.plugin_schemes[scheme.code] = scheme
        record.schemes = [s.code for s in schemes]
        self.scoring_methods.update({key: self._guarded(record, method)
                                     for key, method in methods.items()})
        self.records[name] = record

    def _guarded(self, record: PluginRecord, method: ScoringMethod) -> ScoringMethod:
        """The plugin's method, such that an error while serving marks the plugin broken and
        raises ScoringUnavailable (answered as a page, not a 500)."""
        def serve(function, *args):  # wrapped below, keeping the function's name
            if not record.ok:
                raise ScoringUnavailable(record.code, method.name)
            try:
                return function(*args)
            except Exception as exc:
                self._broken(record, f"phương pháp chấm «{method.name}» lỗi khi chấm: {exc!r}")
                raise ScoringUnavailable(record.code, method.name) from exc

        def guard(function):
            return None if function is None else wraps(function)(
                lambda *args: serve(function, *args))
        return replace(method, propose=guard(method.propose), sql=guard(method.sql))

    def _scoring_methods(self, name: str) -> dict[str, ScoringMethod]:
        """The plugin's scoring methods, checked; refused when one is unsound or its name taken."""
        answer = self._call_one(name, "chiso_scoring_methods") or []
        if not isinstance(answer, (list, tuple)):
            raise TypeError("chiso_scoring_methods phải trả về danh sách ScoringMethod")
        methods: dict[str, ScoringMethod] = {}
        for method in answer:
            problem = check(method)
            if problem:
                raise TypeError(problem)
            if method.name in self.scoring_methods and method.name in core.CORE:
                raise ValueError(f"phương pháp chấm «{method.name}» trùng phương pháp có sẵn")
            if method.name in self.scoring_methods or method.name in methods:
                raise ValueError(f"phương pháp chấm «{method.name}» đã có plugin khác khai báo")
            methods[method.name] = method
        return methods

    @property
    def method_labels(self) -> dict[str, str]:
        """Name → Vietnamese label of every method, for pages and files."""
        return {name: method.label for name, method in self.scoring_methods.items()}

    def _call_one(self, name: str, hook: str, **kwargs):
        """Call one plugin's implementation of a registration hook (None if it has none)."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name == name:
                return impl.function(**kwargs)
        return None

    def _broken(self, record: PluginRecord, error: str) -> None:
        record.error = error
        self.records[record.name] = record
        log.error("Plugin %s bị lỗi, đã tạm bỏ qua: %s", record.name, error)

    # -- queries ---------------------------------------------------------------------------
    @property
    def schemes(self) -> dict[str, Scheme]:
        """Every scheme by code: the plugins', then those the provinces imported (as the
        database holds them now; app/imported_registry.py). A plugin's code is never shadowed:
        the import refuses a code taken."""
        imported = self.imported.current(self.scoring_methods)
        if self._merged is None or self._merged[0] is not imported:
            self._merged = (imported, SchemeTable(self.plugin_schemes, imported))
        return self._merged[1]

    def plugin(self, code: str) -> PluginRecord | None:
        return next((r for r in self.records.values() if r.ok and r.code == code), None)

    def units(self, code: str) -> list[dict]:
        return list(self._answer(code, "chiso_units") or [])

    def history(self, code: str) -> list[dict]:
        return list(self._answer(code, "chiso_history") or [])

    def demo(self, code: str) -> dict:
        return dict(self._answer(code, "chiso_demo") or {})

    def _answer(self, code: str, hook: str):
        """What the working plugin ``code`` answers to ``hook``; None if it is broken or absent."""
        record = self.plugin(code)
        return self._call_one(record.name, hook) if record else None

    def schemes_of(self, plugin_code: str) -> list[Scheme]:
        return [s for s in self.schemes.values() if s.plugin == plugin_code]

    def family_versions(self, scheme: Scheme) -> list[Scheme]:
        """The scheme's family, oldest version first."""
        return versions.family(self.schemes.values(), scheme)

    def last_year(self, scheme: Scheme) -> int | None:
        return versions.last_year(self.schemes.values(), scheme)

    def version_for(self, scheme: Scheme, year: int) -> Scheme | None:
        return versions.version_for(self.schemes.values(), scheme, year)

    def calendar(self, scheme: Scheme):
        """The scheme's reporting calendar: its plugin's; for an imported scheme no plugin
        answers for, the core's default (app/calendar.py), so that its periods can be opened."""
        answer = self.pm.hook.chiso_calendar(scheme=scheme)
        if answer is None and scheme.origin == "imported":
            return default_calendar(scheme)
        return answer
