"""Option types for the CLI whose errors a coordinator can act on.

click's own say "'2026-02-30' does not match the format '%Y-%m-%d'" for a day that does not
exist and "'abc' is not a valid float range" for a wait: true, and no help to the person who
typed it. These say what is wrong with the value, in the words of the option's metavar.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date
from typing import Any

import click

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class Day(click.ParamType):
    """A day of the calendar written YYYY-MM-DD."""

    name = "day"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        found = _DAY.fullmatch(text)
        if not found:
            self.fail(f"{text!r} is not a day written YYYY-MM-DD, such as 2026-11-23", param, ctx)
        year, month, day = (int(part) for part in found.groups())
        if not 1 <= month <= 12:
            self.fail(f"{text} is not a day: there is no month {month}", param, ctx)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            month_name = f"{calendar.month_name[month]} {year}"
            self.fail(f"{text} is not a day: {month_name} has {last} days", param, ctx)
        return date(year, month, day)


class Seconds(click.ParamType):
    """A number of seconds, 0 or more."""

    name = "seconds"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "SECONDS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number of seconds, such as 600", param, ctx)
        if not math.isfinite(number) or number < 0:
            self.fail(f"{value!r} is not a number of seconds: give 0 or more", param, ctx)
        return number
