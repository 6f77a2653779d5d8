"""What the report shows beyond the figures: its subject, conversion rates, and the chart
of views per day, drawn as rows of text so that a mail client shows it without scripts or
images and a screen reader reads each day's number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

BAR_WIDTH = 30  # characters of the plain text's longest bar


@dataclass(frozen=True)
class Bar:
    label: str  # "Mon 7 Dec"
    views: int
    percent: int  # of the busiest day, for the HTML bar's width
    text: str  # the plain text's bar


def subject(report: dict[str, Any]) -> str:
    views = sum(d["views"] for d in report["days"])
    leads = report["inquiries"]["leads"]
    return (
        f"The guide, {report['from']} to {report['to']}: {views:,} views, "
        f"{leads} {'lead' if leads == 1 else 'leads'}"
    )


def conversion(inquiries: int, visitors: int) -> str:
    """Inquiries per visitor, as a percentage; a dash when nobody visited."""
    return f"{100 * inquiries / visitors:.1f} %" if visitors else "–"


def chart(report: dict[str, Any]) -> list[Bar]:
    busiest = max((d["views"] for d in report["days"]), default=0) or 1
    bars = []
    for day in report["days"]:
        when = date.fromisoformat(day["date"])
        share = day["views"] / busiest
        bars.append(
            Bar(
                label=f"{when:%a} {when.day} {when:%b}",
                views=day["views"],
                percent=round(100 * share),
                text="#" * round(BAR_WIDTH * share) or ("." if day["views"] else ""),
            )
        )
    return bars
