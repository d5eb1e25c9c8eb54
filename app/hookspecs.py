"""The whole plugin contract: every hook a province plugin may implement.

A plugin is a module (or object) registered under the entry-point group ``chiso.plugins``.
Registration hooks (identity, schemes, units) are called once per plugin at start-up by
``app.plugins``; their answers are collected and checked there, and a plugin whose hook raises
or returns bad data is reported as broken without taking the site down. Behaviour hooks
(calendar) are called while serving, through the plugin manager.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from app.calendar import Calendar
    from app.catalogue.model import Scheme
    from app.plugins import PluginInfo

PROJECT = "chiso"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def chiso_plugin() -> PluginInfo:
    """Identity: the plugin's code (the province code), the province's name and official code, and the plugin's version. Called once at start-up.

    A province plugin is for its own province: only the province whose code is the plugin's code may enable it. A national or shared plugin (a ministry's or a region's schemes) declares ``PluginInfo(..., shared=True)``; any province admin may then enable it."""


@hookspec
def chiso_schemes() -> list[Path]:
    """Paths of the plugin's scheme files (TOML, docs/catalogue-format.md). Called once at start-up; the core loads and validates them."""


@hookspec
def chiso_units() -> list[dict]:
    """The units the plugin's schemes assess, as rows of docs/units-format.md (province first, parents before children). Called by `provinces setup`."""


@hookspec(firstresult=True)
def chiso_calendar(scheme: Scheme) -> Calendar | None:
    """Reporting calendar of one of the plugin's schemes: its period types and the deadline of a period. Answer None for another plugin's scheme."""


@hookspec
def chiso_history() -> list[dict]:
    """Published results from before the platform, imported by `provinces setup`: dicts with scheme, period, unit (code), scores ({indicator code: points}) and optionally the published rank and its source (the decision)."""


@hookspec
def chiso_demo() -> dict:
    """Demo extras for `flask demo`: e.g. {"office_assignments": [{unit, scheme, code, lead, coordinating}]}, shown so that every page has something real."""


@hookspec
def chiso_scoring_methods() -> dict[str, Callable]:
    """Scoring methods of the plugin's own, for catalogue rows whose `method` names them: {name: fn(row, entry) -> Decimal | None}, given the catalogue Row and the unit's app.scoring.Entry; None means no score can be proposed, and the core keeps a result within 0..max. Called once at start-up; a name the core already has (ratio, boolean, relative, inverse, manual, target, monitor) or another plugin already gave makes this plugin broken."""
