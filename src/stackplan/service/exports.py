"""Plan exports: JSON, HTML, Markdown and the XLSX workbook a finance team audits."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException, Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from stackplan.service import planning, store
from stackplan.service.present import deployment_label, flatten, kpi_rows, reason_text, services_of

__all__ = ["XLSX_MEDIA_TYPE", "export_bytes", "export_response", "xlsx_workbook"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": XLSX_MEDIA_TYPE,
}

_USD = '"$"#,##0'
_USD2 = '"$"#,##0.00'
_HEAD = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="1F3A5F")


def export_bytes(plan: Mapping[str, Any], fmt: str, scenario_yaml: str | None = None) -> bytes:
    """The plan in ``fmt`` (json, html, md, xlsx) as bytes; ``scenario_yaml`` lets the library's
    report writers rebuild the plan object (see :func:`planning.render_html`)."""
    if fmt == "json":
        return json.dumps(plan, indent=2).encode()
    if fmt == "html":
        return planning.render_html(plan, scenario_yaml).encode()
    if fmt == "md":
        return planning.render_markdown(plan, scenario_yaml).encode()
    if fmt == "xlsx":
        return xlsx_workbook(plan)
    raise ValueError(f"unknown export format {fmt!r}")


def _filename(plan: Mapping[str, Any], run_id: str, fmt: str) -> str:
    org = (
        plan.get("scenario", {}).get("organization", {}) if isinstance(plan.get("scenario"), Mapping) else {}
    )
    name = str(org.get("name", "plan")) if isinstance(org, Mapping) else "plan"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "plan"
    return f"stackplan-{slug}-{run_id[:8]}.{fmt}"


def export_response(s: Session, who: store.Actor, run_id: str, fmt: str) -> Response:
    """A download of a succeeded run, recorded in the audit log."""
    with store.transaction(s):
        run = store.get_run(s, who, run_id)
        if run.status != "succeeded" or run.result is None:
            raise HTTPException(
                409, f"plan run {run_id!r} is {run.status}; only a succeeded run can be exported"
            )
        store.audit(s, who, who.org_id, "export", "plan", run.id, fmt)
        scenario_yaml = store.version_yaml(s, who, run.scenario_id, run.scenario_version)
    body = export_bytes(run.result, fmt, scenario_yaml)
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"content-disposition": f'attachment; filename="{_filename(run.result, run.id, fmt)}"'},
    )


# ------------------------------------------------------------------------------------------------ xlsx
def _header(ws: Worksheet, row: int, names: list[str]) -> None:
    for col, name in enumerate(names, 1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font = _HEAD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(vertical="center")


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _scalar(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return json.dumps(v)


def xlsx_workbook(plan: Mapping[str, Any]) -> bytes:
    """The audit workbook: summary, cash flows with formula totals, line items, unit costs, components,
    assumptions with sources, and governance / roadmap / optimiser results when the plan has them."""
    wb = Workbook()
    deployments = [d for d in plan.get("deployments", []) if isinstance(d, Mapping)]

    # Summary
    ws = wb.active
    assert ws is not None
    ws.title = "Summary"
    ws["A1"] = "Stackplan plan"
    ws["A1"].font = Font(bold=True, size=14)
    meta = [
        ("Stackplan version", plan.get("stackplan_version")),
        ("Catalogue version", plan.get("catalog_version")),
        (
            "Recommended deployment",
            deployment_label(str((plan.get("recommendation") or {}).get("deployment", ""))),
        ),
    ]
    for i, (k, v) in enumerate(meta, 3):
        ws.cell(row=i, column=1, value=k).font = Font(bold=True)
        ws.cell(row=i, column=2, value=_scalar(v))
    row = 4 + len(meta)
    _header(ws, row, ["Measure", *[deployment_label(str(d.get("model"))) for d in deployments]])
    for kpi in kpi_rows(deployments):
        row += 1
        ws.cell(row=row, column=1, value=kpi["label"])
        for j, v in enumerate(kpi["raw"], 2):
            c = ws.cell(row=row, column=j, value=v)
            c.number_format = {"usd": _USD, "usd2": _USD2, "pct": "0.0%", "num1": "0.0"}.get(
                kpi["kind"], "#,##0"
            )
    row += 2
    ws.cell(row=row, column=1, value="Reasons for the recommendation").font = Font(bold=True)
    for reason in (plan.get("recommendation") or {}).get("reasons", []):
        row += 1
        ws.cell(row=row, column=1, value=reason_text(reason))
    _widths(ws, [38, 20, 20, 20, 20])

    # Cash flows with formula totals
    cf = wb.create_sheet("Cash flows")
    _header(cf, 1, ["Deployment", "Year", "CapEx [USD]", "OpEx [USD]", "Hidden [USD]", "Total [USD]"])
    r = 1
    for d in deployments:
        for flow in d.get("cash_flows", []):
            r += 1
            cf.cell(row=r, column=1, value=str(d.get("model")))
            cf.cell(row=r, column=2, value=flow.get("year"))
            for col, key in ((3, "capex_usd"), (4, "opex_usd"), (5, "hidden_usd")):
                cf.cell(row=r, column=col, value=flow.get(key)).number_format = _USD
            cf.cell(row=r, column=6, value=f"=SUM(C{r}:E{r})").number_format = _USD
    last = r
    r += 2
    _header(cf, r, ["Deployment", "TCO from rows [USD]", "TCO in plan [USD]", "Difference [USD]"])
    for d in deployments:
        r += 1
        cf.cell(row=r, column=1, value=str(d.get("model")))
        cf.cell(row=r, column=2, value=f"=SUMIFS($F$2:$F${last},$A$2:$A${last},A{r})").number_format = _USD
        cf.cell(row=r, column=3, value=d.get("tco_usd")).number_format = _USD
        cf.cell(row=r, column=4, value=f"=B{r}-C{r}").number_format = _USD
    _widths(cf, [16, 8, 18, 18, 18, 18])
    cf.freeze_panes = "A2"

    # Line items
    li = wb.create_sheet("Line items")
    _header(li, 1, ["Deployment", "Year", "Line item", "Amount [USD]"])
    r = 1
    for d in deployments:
        for flow in d.get("cash_flows", []):
            for name, usd in (flow.get("lines") or {}).items():
                r += 1
                li.cell(row=r, column=1, value=str(d.get("model")))
                li.cell(row=r, column=2, value=flow.get("year"))
                li.cell(row=r, column=3, value=str(name))
                li.cell(row=r, column=4, value=_scalar(usd)).number_format = _USD
    _widths(li, [16, 8, 40, 18])
    li.freeze_panes = "A2"
    li.auto_filter.ref = f"A1:D{max(r, 1)}"

    # Unit costs
    uc = wb.create_sheet("Unit costs")
    _header(uc, 1, ["Deployment", "Service", "Measure", "Value"])
    r = 1
    for d in deployments:
        r += 1
        uc.cell(row=r, column=1, value=str(d.get("model")))
        uc.cell(row=r, column=3, value="usd_per_accelerator_hour")
        uc.cell(row=r, column=4, value=_scalar((d.get("unit_costs") or {}).get("usd_per_accelerator_hour")))
        for svc in services_of(d):
            for key, value in flatten({k: v for k, v in svc.items() if k != "name"}):
                r += 1
                uc.cell(row=r, column=1, value=str(d.get("model")))
                uc.cell(row=r, column=2, value=str(svc.get("name")))
                uc.cell(row=r, column=3, value=key)
                uc.cell(row=r, column=4, value=_scalar(value))
    _widths(uc, [16, 22, 42, 16])

    # Components and other sections as (path, value)
    for title, key in (
        ("Components", "components"),
        ("Governance", "governance"),
        ("Roadmap", "roadmap"),
        ("Optimizer", "optimizer"),
    ):
        if not plan.get(key):
            continue
        sh = wb.create_sheet(title)
        _header(sh, 1, ["Item", "Value"])
        for i, (path, value) in enumerate(flatten(plan[key]), 2):
            sh.cell(row=i, column=1, value=path)
            sh.cell(row=i, column=2, value=_scalar(value))
        _widths(sh, [60, 30])

    # Assumptions with sources
    asm = wb.create_sheet("Assumptions")
    _header(asm, 1, ["Assumption", "Value", "Unit", "Source"])
    for i, a in enumerate(_assumptions(plan), 2):
        for col, k in enumerate(("name", "value", "unit", "source"), 1):
            asm.cell(row=i, column=col, value=_scalar(a.get(k)))
    _widths(asm, [40, 18, 16, 70])

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _assumptions(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Assumptions with sources: the plan's own list when it has one, else the scenario's overrides."""
    out: list[dict[str, Any]] = []
    given = plan.get("assumptions")
    if isinstance(given, list):
        out = [dict(a) for a in given if isinstance(a, Mapping)]
    elif isinstance(given, Mapping):
        for name, a in given.items():
            if isinstance(a, Mapping):
                out.append({"name": str(name), **a})
            else:
                out.append({"name": str(name), "value": a, "source": ""})
    scenario = plan.get("scenario")
    overrides = scenario.get("assumptions") if isinstance(scenario, Mapping) else None
    if not out and isinstance(overrides, Mapping):
        out = [{"name": str(k), "value": v, "source": "scenario override"} for k, v in overrides.items()]
    out.append(
        {"name": "catalog_version", "value": plan.get("catalog_version"), "source": "shipped catalogue"}
    )
    return out
