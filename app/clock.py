"""The one clock the product reads: the Vietnamese calendar day.

Deadlines pass at midnight in Việt Nam, whatever the server's time zone, so every "today" in the
product comes from here. Tests move the date by patching ``app.clock.today`` (callers look it up
through the module, never ``from app.clock import today``), so no test depends on the day it runs.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> date:
    """The calendar day in Việt Nam now."""
    return datetime.now(VIETNAM).date()
