"""Charts drawn on the server as SVG with pygal. Pure: plain numbers in, SVG markup out.

Each function returns one ``<svg>`` element to place inline in a page, next to an HTML table
holding the same numbers (the templates do that: colour is never the only carrier).

Our Content-Security-Policy forbids inline ``<style>``, ``style=""`` and scripts, so a chart is
rendered without pygal's JavaScript (no tooltips) and then stripped of its own ``<style>``:
``stylesheet()`` has pygal write the same rules once, from the same ``STYLE``, for every chart
on the page (served as /dashboards/charts.css). Every chart is ``role="img"`` and named by its
own ``<title>`` and ``<desc>``; pygal's ``<desc class="value">`` under each point keeps the raw
value, which the tests compare with the table.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import pygal
from markupsafe import Markup
from pygal.etree import etree as pygal_etree
from pygal.style import Style

pygal_etree.to_etree()  # the standard library's ElementTree, whether or not lxml is installed
from xml.etree import ElementTree as ET  # noqa: E402  (after choosing pygal's tree)

# Our colours (static/app.css): brand blue first, then colours that stay apart for the
# colour-blind and in black-and-white print (each series also has its own dot shape or label).
COLOURS = ("#0b5394", "#c05600", "#1e7b34", "#6b3fa0", "#5a6470", "#b3261e", "#00838f")
TARGET_CLASS = "target"  # a series drawn as a dashed reference line (a KPI's target)
CHART_CLASS = "chiso-chart"
FONT = 'system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif'

STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#5a6470",
    opacity=".85",
    opacity_hover=".95",
    colors=COLOURS,
    font_family=FONT,
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    value_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    no_data_font_size=16,
    guide_stroke_color="#d5dbe1",
    major_guide_stroke_color="#aab4bf",
)

Series = tuple[str, Sequence[float | None]]  # (legend label, one value per category)


def percent_text(value: float | None) -> str:
    """80,50%: two decimals after a comma, as the tables print it."""
    if value is None:
        return "—"
    return f"{value:.2f}".replace(".", ",") + "%"


def axis_percent(value: float) -> str:
    return f"{value:.0f}%"


def axis_number(value: float) -> str:
    return number_text(value)


def number_text(value: float | None) -> str:
    if value is None:
        return "—"
    # up to three decimals, as points have them (891,195)
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _config(**options) -> dict:
    base = dict(style=STYLE, disable_xml_declaration=True, js=[], css=[], no_prefix=False,
                width=760, height=380, show_legend=True, legend_at_bottom=True,
                legend_at_bottom_columns=3, truncate_legend=-1, no_data_text="Chưa có số liệu",
                margin=12)
    base.update(options)
    return base


# -- chart types ----------------------------------------------------------------------------
def radar(chart_id: str, title: str, desc: str, axes: Sequence[str],
          series: Sequence[Series]) -> Markup:
    """Percentages (0–100) of each axis, one closed line per series."""
    chart = pygal.Radar(**_config(range=(0, 100), fill=False, dots_size=4, width=620,
                                  height=560, formatter=percent_text,
                                  value_formatter=axis_percent, truncate_label=30,
                                  legend_at_bottom_columns=1))
    chart.x_labels = list(axes)
    for label, values in series:
        chart.add(label, list(values))
    return _finish(chart, chart_id, title, desc)


def hbars(chart_id: str, title: str, desc: str, labels: Sequence[str],
          series: Sequence[Series], top: float = 100, percent: bool = True,
          width: int = 1100) -> Markup:
    """Horizontal bars, the first label on top (rank 1 first), values printed at the end of
    each bar; several series make groups of bars, told apart by colour and the legend."""
    bar = 22 if len(series) > 1 else 30
    legend_rows = -(-len(series) // 2) if len(series) > 1 else 0
    height = 60 + bar * max(len(labels), 1) * max(len(series), 1) + 30 * legend_rows + (
        20 if legend_rows else 0)
    chart = pygal.HorizontalBar(**_config(
        range=(0, top), show_legend=len(series) > 1, print_values=True, print_zeroes=True,
        print_values_position="top", width=width, height=height,
        formatter=percent_text if percent else number_text,
        value_formatter=axis_percent if percent else axis_number,
        y_labels=None if percent else _count_ticks(top), truncate_label=40, spacing=4,
        legend_at_bottom_columns=min(len(series), 2), margin_right=64))
    # pygal draws the first category at the bottom: reverse so the first is read first.
    chart.x_labels = list(reversed(labels))
    for label, values in series:
        chart.add(label, list(reversed(values)))
    return _finish(chart, chart_id, title, desc, values_after_bars=True)


def _count_ticks(top: float) -> list[int]:
    """Whole-number ticks for counts (no 0,5 of a unit), about ten of them."""
    step = max(1, -(-int(top) // 10))
    return list(range(0, int(top) + step, step))


def lines(chart_id: str, title: str, desc: str, labels: Sequence[str],
          series: Sequence[Series], target: float | None = None, percent: bool = False,
          small: bool = False) -> Markup:
    """Values over periods; ``target`` adds a dashed horizontal reference line."""
    formatter = percent_text if percent else number_text
    size = dict(width=460, height=280, legend_at_bottom_columns=2) if small else {}
    chart = pygal.Line(**_config(formatter=formatter, dots_size=4, truncate_label=12,
                                 margin_right=28,
                                 value_formatter=axis_percent if percent else axis_number,
                                 print_values=len(labels) <= 8, allow_interruptions=True,
                                 show_legend=target is not None or len(series) > 1,
                                 x_label_rotation=30 if len(labels) > 6 else 0, **size))
    chart.x_labels = list(labels)
    if percent:
        chart.range = (0, 100)
    for label, values in series:
        chart.add(label, list(values))
    targets = []
    if target is not None:
        chart.add(f"Mục tiêu: {formatter(target)}", [target] * len(labels), show_dots=False)
        targets.append(len(series))
    return _finish(chart, chart_id, title, desc, dashed=targets)


# -- accessibility and the stylesheet --------------------------------------------------------
def _finish(chart, chart_id: str, title: str, desc: str, dashed: Sequence[int] = (),
            values_after_bars: bool = False) -> Markup:
    """The chart's SVG with our title and description, no style, script or tooltip."""
    root = chart.render_tree()
    if values_after_bars:  # pygal centres a printed value on the bar's end: put it after it
        for text in root.iter("text"):
            if "value" in text.get("class", "").split():
                text.set("text-anchor", "start")
                text.set("x", f"{float(text.get('x')) + 6:.2f}")
    for defs in root.findall("defs"):
        for child in list(defs):
            if child.tag in ("style", "script"):
                defs.remove(child)
    for parent in root.iter():
        for child in list(parent):
            if "tooltip-overlay" in child.get("class", ""):
                parent.remove(child)  # pygal's tooltip needs its script and an inline style
    for series in root.iter("g"):
        classes = series.get("class", "").split()
        if "series" in classes and any(f"serie-{i}" in classes for i in dashed):
            series.set("class", " ".join(classes + [TARGET_CLASS]))
    root.set("id", chart_id)
    root.set("class", f"pygal-chart {CHART_CLASS}")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    title_node = root.find("title")
    title_node.text = title
    title_node.set("id", f"{chart_id}-title")
    desc_node = ET.Element("desc", {"id": f"{chart_id}-desc"})
    desc_node.text = desc
    root.insert(list(root).index(title_node) + 1, desc_node)
    _drop_comments(root)
    return Markup(ET.tostring(root, encoding="unicode"))


def _drop_comments(root) -> None:
    for parent in root.iter():
        for child in list(parent):
            if child.tag is ET.Comment:
                parent.remove(child)


@functools.cache
def stylesheet() -> str:
    """pygal's rules for our STYLE, written once for every chart (class ``chiso-chart``)."""
    chart = pygal.Bar(style=STYLE, js=[], disable_xml_declaration=True)
    for index in range(len(COLOURS)):
        chart.add(str(index), [1])
    tree = chart.render_tree()
    chart_id = tree.get("id")
    css = "\n".join(node.text or "" for node in tree.iter("style"))
    css = css.replace(f"#{chart_id} ", f"svg.{CHART_CLASS} ").replace(f"#{chart_id}", f"svg.{CHART_CLASS}")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return css + _OUR_RULES


# Rules pygal has no option for: the dashed target line, and charts that fit their box.
_OUR_RULES = f"""
svg.{CHART_CLASS} {{ display: block; width: 100%; height: auto; max-width: 100%; }}
svg.{CHART_CLASS} .{TARGET_CLASS} .line {{ stroke-dasharray: 8 5; stroke-width: 2; }}
svg.{CHART_CLASS} .series .line {{ stroke-width: 2.5; }}
svg.{CHART_CLASS} .text-overlay text.value {{ font-weight: 600; }}
"""
