"""The whole plugin contract: every hook a province plugin may implement.

A plugin is a module (or object) registered under the entry-point group ``chiso.plugins``
(docs/plugins.md: writing one as an outside package). Registration hooks (identity, schemes,
scoring methods) are called once per plugin at start-up by ``app.plugins``; their answers are
collected and checked there, and a plugin whose hook raises or returns bad data is reported as
broken without taking the site down. Units (and history) are loaded by `provinces setup`, not
at start-up; start-up only reads the units to check them, so that a wrong file is reported when
the plugin is installed. Behaviour hooks (calendar) are called while serving, through the plugin
manager; scoring methods run while serving too, and one that raises marks its plugin broken.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from app.calendar import Calendar
    from app.catalogue.model import Scheme
    from app.plugins import PluginInfo
    from app.scoring.methods import ScoringMethod

PROJECT = "chiso"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def chiso_plugin() -> PluginInfo:
    """Identity: the plugin's code (the province code), the province's name and official code, and the plugin's version, as an ``app.plugins.PluginInfo`` (anything else, a dict say, makes the plugin broken). Called once at start-up.

    A province plugin is for its own province: only the province whose code is the plugin's code may enable it. A national or shared plugin (a ministry's or a region's schemes) declares ``PluginInfo(..., shared=True)``; any province admin may then enable it."""


@hookspec
def chiso_schemes() -> list[Path]:
    """Paths of the plugin's scheme files (TOML, docs/catalogue-format.md). Called once at start-up; the core loads and validates them. One file per version of a scheme (same `family`, its own `version` and `first_year`); two files with one scheme code, or one family's version twice, make the plugin broken."""


@hookspec
def chiso_units() -> list[dict]:
    """The units the plugin's schemes assess, as rows of docs/units-format.md (province first, parents before children); ``app.plugin_support.read_units`` reads them from CSV files, remembering each row's file and line. Loaded by `provinces setup` (not at start-up, which only checks them): an unknown type, a province whose code is not the plugin's official code, a date not written YYYY-MM-DD or a parent listed after its child is refused with the file and line, and the plugin is marked broken."""


@hookspec(firstresult=True)
def chiso_calendar(scheme: Scheme) -> Calendar | None:
    """Reporting calendar of one of the plugin's schemes: its period types and the deadline of a period. Answer None for another plugin's scheme."""


@hookspec
def chiso_history() -> list[dict]:
    """Published results from before the platform, imported by `provinces setup`: dicts with scheme, period, unit (code), scores ({indicator code: points}) and optionally the published rank and its source (the decision)."""


@hookspec
def chiso_demo() -> dict:
    """Demo extras for `flask demo`, shown so that every page has something real: ``demo_unit``, the code of the unit the province's demo unit user works for (a province without one is left out of the demo), and optionally ``office_assignments``: [{unit, scheme, code, lead, coordinating}] and ``commune_scheme``: True to have the demo run on the province's current (2025) communes with an imported commune-level demo scheme (the first province that asks gets it)."""


@hookspec
def chiso_scoring_methods() -> list[ScoringMethod]:
    """Scoring methods, for catalogue rows whose `method` names them: a list of app.scoring.methods.ScoringMethod(name, label, input, propose, group=None, sql=None). `label` is the Vietnamese name the form and the catalogue show; `input` the input a row of the method takes by default (docs/catalogue-format.md); `propose(row, entry, context)` gets the catalogue Row, the unit's app.scoring.Entry and a Context (`best`: the group's highest or lowest value when `group` is "highest" or "lowest"; `unit_type`) and answers a score or None (none can be proposed; the core keeps it within 0..max, three decimals); `sql(value, top, high, low)`, optional, is the same rule as a SQL expression, and a scheme whose methods all have one is added up by the database. The core's seven (ratio, boolean, relative, inverse, manual, target, monitor) are registered through this hook too, by the built-in plugin app.scoring.core. Called once at start-up; an unsound method, or a name the core or another plugin already gave, makes this plugin broken. A method that raises while serving marks its plugin broken too (the page says the scheme's scoring is unavailable, not a 500)."""
