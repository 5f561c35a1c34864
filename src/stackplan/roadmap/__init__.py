"""Phased roadmap (pilot, expand, scale) with gates, the people plan, and the timeline figure."""

from __future__ import annotations

from stackplan.roadmap.people import DEFAULT_ROLES, Hire, PeoplePlan, RoleRatio, people_plan
from stackplan.roadmap.phases import (
    DEFAULT_GATE_METRICS,
    Gate,
    GateMetric,
    Phase,
    Roadmap,
    capacity_series,
    roadmap_from_plan,
)
from stackplan.roadmap.timeline import timeline_figure

__all__ = [
    "DEFAULT_GATE_METRICS",
    "DEFAULT_ROLES",
    "Gate",
    "GateMetric",
    "Hire",
    "PeoplePlan",
    "Phase",
    "Roadmap",
    "RoleRatio",
    "capacity_series",
    "people_plan",
    "roadmap_from_plan",
    "timeline_figure",
]
