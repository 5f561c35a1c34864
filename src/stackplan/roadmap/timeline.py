"""Gantt-style timeline figure (plotly) of phases, purchases, commitments and hires, for the report."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from stackplan.optimize.coefficients import TERMS
from stackplan.optimize.problem import Periods
from stackplan.roadmap.phases import Roadmap

if TYPE_CHECKING:  # plotly only when a figure is drawn
    import plotly.graph_objects as go

__all__ = ["period_start", "timeline_figure"]

_COLOURS = {"phase": "#4c78a8", "purchase": "#f58518", "commitment": "#54a24b", "hire": "#b279a2"}


def period_start(periods: Periods, t: int) -> date:
    """Calendar date at which period ``t`` starts (``t`` may be the end of the horizon)."""
    months = t * (12 // periods.periods_per_year)
    return date(periods.start_year + months // 12, months % 12 + 1, 1)


def timeline_figure(roadmap: Roadmap) -> go.Figure:
    """One horizontal bar per phase, purchase (order to delivery), commitment (its term) and hire
    (hiring lead time); hover text gives the numbers. Rows are grouped by kind."""
    per = roadmap.plan.problem.periods
    rows: list[tuple[str, str, int, int, str]] = []  # kind, label, start, end, hover
    for ph in roadmap.phases:
        rows.append(
            (
                "phase",
                f"Phase: {ph.name}",
                ph.start_period,
                ph.end_period,
                f"{ph.name}: {ph.start_label} to {ph.end_label}; {ph.accelerators_at_end:,.0f} accelerators at end; "
                f"CapEx {ph.capex_usd:,.0f} USD; commitments {ph.commitments_usd:,.0f} USD",
            )
        )
    for p in roadmap.plan.purchases:
        rows.append(
            (
                "purchase",
                f"Buy {p.accelerator} @ {p.site}",
                p.period,
                max(p.in_service_period, p.period + 1),
                f"order {p.servers:,.0f} servers ({p.accelerators:,.0f} accelerators), {p.capex_usd:,.0f} USD",
            )
        )
    for c in roadmap.plan.commitments:
        end = min(c.period + per.term_periods(TERMS[c.term]), per.count)
        rows.append(
            (
                "commitment",
                f"Commit {c.accelerator} @ {c.provider}/{c.region}",
                c.period,
                end,
                f"{c.term} commitment of {c.accelerators:,.0f} accelerators at {c.usd_per_hour:.2f} USD/h",
            )
        )
    lead = {r.role: r.lead_periods for r in roadmap.people.roles}
    for h in roadmap.people.hires:
        rows.append(
            (
                "hire",
                f"Hire {h.role}",
                h.period,
                h.period + max(1, lead.get(h.role, 1)),
                f"hire {h.count:.2g} FTE {h.role}",
            )
        )
    import plotly.graph_objects as go

    fig = go.Figure()
    for kind, colour in _COLOURS.items():
        mine = [r for r in rows if r[0] == kind]
        if not mine:
            continue
        starts = [period_start(per, r[2]) for r in mine]
        ends = [period_start(per, r[3]) for r in mine]
        fig.add_trace(
            go.Bar(
                name=kind,
                y=[r[1] for r in mine],
                x=[(e - s).days * 86_400_000 for s, e in zip(starts, ends, strict=True)],
                base=[s.isoformat() for s in starts],
                orientation="h",
                marker_color=colour,
                hovertext=[r[4] for r in mine],
                hoverinfo="text",
            )
        )
    fig.update_layout(
        title="Roadmap: phases, purchases, commitments and hires",
        barmode="overlay",
        xaxis={"type": "date", "title": "date"},
        yaxis={"autorange": "reversed", "title": ""},
        height=max(300, 24 * len({r[1] for r in rows}) + 120),
        legend={"orientation": "h"},
    )
    return fig
