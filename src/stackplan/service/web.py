"""Server-rendered web pages (Jinja2): sign in, scenarios, editor, plan dashboard, compare, audit log.

Sessions are signed cookies (HttpOnly, SameSite=Lax); every form carries a CSRF token bound to a
separate random cookie (HttpOnly, SameSite=Strict). The pages use the same store and planner as the API.
"""

from __future__ import annotations

import difflib
import json
import math
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from stackplan import __version__
from stackplan.service import charts, exports, store
from stackplan.service.app import Services
from stackplan.service.db import User
from stackplan.service.planning import DEPLOYMENT_MODELS, ScenarioProblem, examples
from stackplan.service.present import (
    component_rows,
    deployment_label,
    flatten,
    fmt,
    fmt_num,
    fmt_usd,
    get_path,
    kpi_rows,
    reason_text,
    services_of,
)
from stackplan.service.security import SESSION_MAX_AGE_S, hash_password, verify_password

__all__ = ["install"]

SESSION_COOKIE = "sp_session"
CSRF_COOKIE = "sp_csrf"
#: Shortest password accepted [characters] (NIST SP 800-63B asks for at least 8; we ask 10).
MIN_PASSWORD_CHARS = 10

_env = Environment(
    loader=PackageLoader("stackplan.service", "templates"), autoescape=select_autoescape(["html"])
)
_env.globals.update(
    fmt_usd=fmt_usd,
    fmt_num=fmt_num,
    deployment_label=deployment_label,
    version=__version__,
    colors=charts.COLORS,
)

router = APIRouter(include_in_schema=False)


class LoginRequiredError(Exception):
    """The page needs a signed-in user."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


# ---------------------------------------------------------------------------------------- plumbing
def _services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def _session(request: Request) -> Iterator[Session]:
    with _services(request).sessions() as s:
        yield s


Db = Annotated[Session, Depends(_session)]


def _user(request: Request, s: Session) -> User | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    signer = _services(request).signer
    loaded = signer.load(cookie)
    if loaded is None:
        return None
    user = s.get(User, loaded[0])
    if user is None or signer.fingerprint(user.password_hash) != loaded[1] or user.password_hash is None:
        return None
    return user


def _actor(request: Request, s: Db) -> store.Actor:
    user = _user(request, s)
    if user is None:
        raise LoginRequiredError(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return store.actor_of(user)


Who = Annotated[store.Actor, Depends(_actor)]


def _csrf_binding(request: Request) -> tuple[str, bool]:
    value = request.cookies.get(CSRF_COOKIE)
    if value and 16 <= len(value) <= 128:
        return value, False
    return secrets.token_urlsafe(24), True


def check_csrf(request: Request, token: str) -> None:
    """403 unless the form's token matches the CSRF cookie."""
    binding = request.cookies.get(CSRF_COOKIE, "")
    if not _services(request).signer.check_csrf(binding, token):
        raise HTTPException(403, "the form expired or came from another site; reload the page and try again")


Csrf = Annotated[str, Form(max_length=128)]


def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a page with the CSRF token (setting the CSRF cookie when it is new)."""
    binding, new = _csrf_binding(request)
    html = _env.get_template(template).render(
        request=request, csrf=_services(request).signer.csrf_token(binding), path=request.url.path, **ctx
    )
    response = HTMLResponse(html, status_code=status)
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            binding,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    response.headers["cache-control"] = "no-store"
    return response


def _ctx(s: Session, who: store.Actor) -> dict[str, Any]:
    return {"me": who, "org_name": store.org_name(s, who.org_id)}


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/scenarios"


# ------------------------------------------------------------------------------------------ sign in
@router.get("/login")
def login_form(request: Request, s: Db, next: str | None = None) -> Response:
    """The sign-in page."""
    if _user(request, s) is not None:
        return RedirectResponse(_safe_next(next), 303)
    return page(request, "login.html", next=_safe_next(next), error=None, email="")


@router.post("/login")
def login(
    request: Request,
    s: Db,
    csrf_token: Csrf,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=1000)] = "/scenarios",
) -> Response:
    """Sign in; on first sign-in the one-time token sets the password."""
    check_csrf(request, csrf_token)
    throttle = _services(request).throttle
    address = request.client.host if request.client else "unknown"
    wait_s = throttle.retry_after_s(email, address)
    if wait_s > 0:
        minutes = max(1, math.ceil(wait_s / 60))
        refused = page(
            request,
            "login.html",
            status=429,
            next=_safe_next(next),
            error=f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            email=email,
        )
        refused.headers["retry-after"] = str(math.ceil(wait_s))
        return refused
    user = store.user_by_email(s, email)
    error = "E-mail or password not recognised."
    ok = False
    if user is not None and user.password_hash is None:
        owner = store.user_by_token(s, token.strip()) if token.strip() else None
        if owner is None or owner.id != user.id:
            error = "First sign-in: enter the one-time token you were given, and choose a password."
        elif len(password) < MIN_PASSWORD_CHARS:
            error = f"Choose a password of at least {MIN_PASSWORD_CHARS} characters."
        else:
            with store.transaction(s):
                user.password_hash = hash_password(password)
                store.audit(
                    s, store.actor_of(user), user.org_id, "set-password", "user", str(user.id), user.email
                )
            ok = True
    elif user is not None and user.password_hash is not None:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None:
        throttle.failed(email, address)
        return page(request, "login.html", status=401, next=_safe_next(next), error=error, email=email)
    throttle.succeeded(email)
    with store.transaction(s):
        store.audit(s, store.actor_of(user), user.org_id, "sign-in", "user", str(user.id), user.email)
    response = RedirectResponse(_safe_next(next), 303)
    response.set_cookie(
        SESSION_COOKIE,
        _services(request).signer.sign(user.id, user.password_hash),
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Csrf) -> Response:
    """Sign out."""
    check_csrf(request, csrf_token)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ----------------------------------------------------------------------------------------- scenarios
@router.get("/")
def home() -> Response:
    """The scenarios list is the home page."""
    return RedirectResponse("/scenarios", 303)


@router.get("/scenarios")
def scenarios_page(request: Request, s: Db, who: Who, error: str | None = None) -> Response:
    """The organisation's scenarios."""
    return page(
        request,
        "scenarios.html",
        scenarios=store.list_scenarios(s, who),
        examples=sorted(examples()),
        error=error,
        **_ctx(s, who),
    )


@router.post("/scenarios")
def scenarios_create(
    request: Request,
    s: Db,
    who: Who,
    csrf_token: Csrf,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    example: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create a scenario from an example."""
    check_csrf(request, csrf_token)
    who.require_write()
    texts = examples()
    if example not in texts:
        return scenarios_page(request, s, who, error=f"Unknown example {example!r}.")
    problems = _services(request).planner.validate(texts[example])
    if problems:
        return scenarios_page(
            request, s, who, error=f"The example {example!r} does not validate: {problems[0].message}"
        )
    with store.transaction(s):
        sc = store.create_scenario(s, who, name.strip(), texts[example])
    return RedirectResponse(f"/scenarios/{sc.id}", 303)


#: Common fields the editor's form edits: (dotted path, label, kind).
FORM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("organization.name", "Organisation", "text"),
    ("organization.currency", "Currency", "text"),
    ("organization.start_year", "Start year", "int"),
    ("organization.horizon_years", "Horizon [years]", "int"),
    ("organization.discount_rate", "Discount rate [-]", "float"),
)


def _form_values(yaml_text: str) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    values = {path: get_path(data, path) for path, _, _ in FORM_FIELDS}
    models = get_path(data, "deployment.models")
    values["deployment.models"] = list(models) if isinstance(models, list) else list(DEPLOYMENT_MODELS)
    return values


def _editor(
    request: Request,
    s: Session,
    who: store.Actor,
    scenario_id: str,
    version: int | None = None,
    *,
    yaml_text: str | None = None,
    problems: list[ScenarioProblem] | None = None,
    conflict: Mapping[str, Any] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    sc = store.get_scenario(s, who, scenario_id, version)
    text = sc["yaml"] if yaml_text is None else yaml_text
    problem_lines = sorted({p.line for p in problems or [] if p.line})
    return page(
        request,
        "editor.html",
        status=status,
        sc=sc,
        yaml_text=text,
        line_count=max(text.count("\n") + 1, 1),
        problems=problems,
        problem_lines=problem_lines,
        conflict=conflict,
        notice=notice,
        form=_form_values(text),
        form_fields=FORM_FIELDS,
        all_models=DEPLOYMENT_MODELS,
        runs=store.list_runs(s, who, scenario_id, limit=10),
        **_ctx(s, who),
    )


@router.get("/scenarios/{scenario_id}")
def editor_page(
    request: Request,
    s: Db,
    who: Who,
    scenario_id: str,
    version: Annotated[int | None, Query(ge=1)] = None,
    saved: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The scenario editor (YAML with problems at their lines, a form for common fields, versions, runs)."""
    return _editor(request, s, who, scenario_id, version, notice=f"Saved version {saved}." if saved else None)


def _save(
    request: Request,
    s: Session,
    who: store.Actor,
    scenario_id: str,
    base_version: int,
    name: str | None,
    text: str,
) -> Response:
    problems = _services(request).planner.validate(text)
    if problems:
        return _editor(request, s, who, scenario_id, yaml_text=text, problems=problems, status=422)
    try:
        with store.transaction(s):
            sc = store.save_version(s, who, scenario_id, base_version, name, text)
    except store.StaleVersionError as err:
        return _editor(request, s, who, scenario_id, yaml_text=text, conflict=err.detail, status=409)
    return RedirectResponse(f"/scenarios/{sc.id}?saved={sc.current_version}", 303)


@router.post("/scenarios/{scenario_id}")
def editor_submit(
    request: Request,
    s: Db,
    who: Who,
    scenario_id: str,
    csrf_token: Csrf,
    yaml_text: Annotated[str, Form(alias="yaml", max_length=256 * 1024)],
    base_version: Annotated[int, Form(ge=1)],
    action: Annotated[str, Form(max_length=20)] = "save",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check or save the YAML."""
    check_csrf(request, csrf_token)
    if action == "check":
        problems = _services(request).planner.validate(yaml_text)
        notice = "No problems found." if not problems else None
        return _editor(request, s, who, scenario_id, yaml_text=yaml_text, problems=problems, notice=notice)
    who.require_write()
    return _save(request, s, who, scenario_id, base_version, name.strip() or None, yaml_text)


@router.post("/scenarios/{scenario_id}/fields")
async def editor_fields(request: Request, scenario_id: str) -> Response:
    """Apply the common-fields form to the YAML and save a new version."""
    form = await request.form()
    csrf = str(form.get("csrf_token", ""))
    base = str(form.get("base_version", ""))
    svc = _services(request)
    with svc.sessions() as s:
        who = _actor(request, s)
        check_csrf(request, csrf)
        who.require_write()
        if not base.isdigit():
            raise HTTPException(422, "base_version must be a number")
        current = store.get_scenario(s, who, scenario_id, int(base))
        data = yaml.safe_load(current["yaml"])
        if not isinstance(data, dict):
            raise HTTPException(422, "the YAML is not a mapping; edit it as text")
        problems: list[ScenarioProblem] = []
        for path, label, kind in FORM_FIELDS:
            raw = str(form.get(path, "")).strip()
            if raw == "":
                continue
            try:
                value: Any = int(raw) if kind == "int" else float(raw) if kind == "float" else raw
            except ValueError:
                problems.append(ScenarioProblem(path, f"{label} must be a number", raw, "enter a number"))
                continue
            node = data
            *parents, leaf = path.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
        chosen = [m for m in form.getlist("deployment.models") if m in DEPLOYMENT_MODELS]
        if chosen:
            data.setdefault("deployment", {})["models"] = [str(m) for m in chosen]
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        if problems:
            return _editor(request, s, who, scenario_id, yaml_text=text, problems=problems, status=422)
        return _save(request, s, who, scenario_id, int(base), None, text)


@router.post("/scenarios/{scenario_id}/run")
def run_scenario(
    request: Request,
    s: Db,
    who: Who,
    scenario_id: str,
    csrf_token: Csrf,
    version: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    """Queue a plan run and go to its dashboard."""
    check_csrf(request, csrf_token)
    pool = _services(request).pool
    with store.transaction(s):
        run = store.create_run(s, who, scenario_id, version, lease_owner=pool.owner)
    pool.submit(run.id)
    return RedirectResponse(f"/plans/{run.id}", 303)


# --------------------------------------------------------------------------------------------- plans
def _components(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    order = ("compute", "data", "networking", "platform", "ecosystem", "governance")
    comps = plan.get("components") or {}
    out = []
    for name in order:
        if name in comps:
            rows, more = component_rows(comps[name])
            notes = comps[name].get("notes") if isinstance(comps[name], Mapping) else None
            out.append({"name": name, "rows": rows, "more": more, "notes": list(notes or [])[:3]})
    return out


#: Order of finding severities, worst first.
SEVERITY_ORDER = {
    "fail": 0,
    "critical": 0,
    "high": 1,
    "error": 1,
    "warning": 2,
    "medium": 2,
    "low": 3,
    "info": 4,
}


def _findings(plan: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Governance findings, worst first, and the summary counts."""
    gov = plan.get("governance")
    found: Any = None
    summary: dict[str, Any] = {}
    if isinstance(gov, Mapping):
        summary = dict(gov.get("summary") or {})
        for key in ("findings", "checks", "issues", "risks"):
            if isinstance(gov.get(key), list):
                found = gov[key]
                break
    elif isinstance(gov, list):
        found = gov
    rows = []
    for f in found or []:
        if not isinstance(f, Mapping):
            continue
        sev = str(f.get("severity") or f.get("level") or "info").lower()
        refs = [r for r in f.get("references") or [] if isinstance(r, Mapping)]
        rows.append(
            {
                **f,
                "severity": sev,
                "title": f.get("title") or f.get("message") or f.get("id"),
                "where": " · ".join(
                    str(x)
                    for x in (
                        deployment_label(str(f["deployment"])) if f.get("deployment") else None,
                        f.get("component"),
                    )
                    if x
                ),
                "refs": ", ".join(f"{r.get('framework')} {r.get('reference')}" for r in refs[:2]),
                "fix": f.get("recommendation") or f.get("fix") or f.get("mitigation") or "",
            }
        )
    rows.sort(key=lambda r: SEVERITY_ORDER.get(r["severity"], 5))
    return rows, summary


def _dashboard_ctx(plan: Mapping[str, Any]) -> dict[str, Any]:
    deployments = [d for d in plan.get("deployments", []) if isinstance(d, Mapping)]
    rec = plan.get("recommendation") or {}
    figures = charts.all_charts(plan)
    org = get_path(plan, "scenario.organization") or {}
    return {
        "plan": plan,
        "deployments": deployments,
        "labels": [deployment_label(str(d.get("model"))) for d in deployments],
        "kpis": kpi_rows(deployments),
        "rec": rec,
        "rec_dep": next((d for d in deployments if d.get("model") == rec.get("deployment")), None),
        "components": _components(plan),
        "figures": {k: Markup(json.dumps(v).replace("</", "<\\/")) for k, v in figures.items()},
        "findings": _findings(plan)[0],
        "findings_summary": _findings(plan)[1],
        "services": [(deployment_label(str(d.get("model"))), services_of(d)) for d in deployments],
        "optimizer": list(flatten(plan["optimizer"]))[:40] if plan.get("optimizer") else None,
        "reasons": [reason_text(r) for r in rec.get("reasons", [])],
        "unserved": [
            (deployment_label(str(d.get("model"))), u) for d in deployments for u in d.get("unserved") or []
        ],
        "org_scenario": org if isinstance(org, Mapping) else {},
    }


@router.get("/plans/{run_id}")
def plan_page(request: Request, s: Db, who: Who, run_id: str) -> Response:
    """The plan dashboard (or its progress while it runs)."""
    run = store.get_run(s, who, run_id)
    sc = store.get_scenario(s, who, run.scenario_id, run.scenario_version)
    ctx = _dashboard_ctx(run.result) if run.status == "succeeded" and run.result else {}
    return page(
        request, "plan.html", run=store.run_view(run, with_result=False), sc=sc, **ctx, **_ctx(s, who)
    )


@router.get("/plans/{run_id}/status")
def plan_status(s: Db, who: Who, run_id: str) -> JSONResponse:
    """Run state for the progress bar."""
    run = store.get_run(s, who, run_id, with_result=False)
    return JSONResponse(store.run_view(run, with_result=False), headers={"cache-control": "no-store"})


@router.post("/plans/{run_id}/rerun")
def plan_rerun(request: Request, s: Db, who: Who, run_id: str, csrf_token: Csrf) -> Response:
    """Run the same version again."""
    check_csrf(request, csrf_token)
    pool = _services(request).pool
    with store.transaction(s):
        old = store.get_run(s, who, run_id)
        run = store.create_run(s, who, old.scenario_id, old.scenario_version, lease_owner=pool.owner)
    pool.submit(run.id)
    return RedirectResponse(f"/plans/{run.id}", 303)


@router.get("/plans/{run_id}/download/{fmt}")
def plan_download(s: Db, who: Who, run_id: str, fmt: str) -> Response:
    """Download the report (audited)."""
    if fmt not in exports.MEDIA_TYPES:
        raise HTTPException(404, "unknown format")
    return exports.export_response(s, who, run_id, fmt)


# ------------------------------------------------------------------------------------------- compare
def _parse_ref(ref: str | None) -> tuple[str, int | None] | None:
    if not ref:
        return None
    sid, _, ver = ref.partition("@")
    return sid, int(ver) if ver.isdigit() else None


def _delta(left: Any, right: Any, kind: str) -> str:
    """Right minus left, formatted like the measure, with the relative change for money."""
    if not isinstance(left, int | float) or not isinstance(right, int | float) or left == right:
        return ""
    diff = float(right) - float(left)
    sign = "+" if diff > 0 else "−"
    if kind == "pct":
        return f"{sign}{abs(diff) * 100:,.0f} pts"
    text = fmt(abs(diff), kind)
    if kind.startswith("usd") and left:
        text += f" ({sign}{abs(diff / float(left)) * 100:,.0f}%)"
    return sign + text


def _side(s: Session, who: store.Actor, ref: str | None) -> dict[str, Any] | None:
    parsed = _parse_ref(ref)
    if parsed is None:
        return None
    sc = store.get_scenario(s, who, parsed[0], parsed[1])
    run = store.latest_succeeded_run(s, who, sc["id"], sc["version"])
    deployments = list((run.result or {}).get("deployments", [])) if run else []
    return {
        "sc": sc,
        "run_id": run.id if run else None,
        "rec": (run.result or {}).get("recommendation", {}) if run else {},
        "reasons": [
            reason_text(r) for r in ((run.result or {}).get("recommendation") or {}).get("reasons", [])
        ]
        if run
        else [],
        "deployments": deployments,
    }


@router.get("/compare")
def compare_page(
    request: Request,
    s: Db,
    who: Who,
    a: Annotated[str | None, Query(max_length=100)] = None,
    b: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Two scenarios, or two versions of one, side by side: plan figures and the YAML difference."""
    left, right = _side(s, who, a), _side(s, who, b)
    choices = []
    for item in store.list_scenarios(s, who):
        for v in range(item["version"], 0, -1):
            choices.append((f"{item['id']}@{v}", f"{item['name']} · v{v}"))
    rows: list[dict[str, Any]] = []
    if left and right:
        models = list(
            dict.fromkeys([str(d.get("model")) for d in left["deployments"] + right["deployments"]])
        )
        for m in models:
            ld = next((d for d in left["deployments"] if d.get("model") == m), None)
            rd = next((d for d in right["deployments"] if d.get("model") == m), None)
            kr = kpi_rows([ld or {}, rd or {}])
            for k in kr:
                k["delta"] = _delta(k["raw"][0], k["raw"][1], k["kind"])
            rows.append({"model": m, "kpis": kr})
    diff = None
    if left and right:
        diff = Markup(
            difflib.HtmlDiff(wrapcolumn=70).make_table(
                left["sc"]["yaml"].splitlines(),
                right["sc"]["yaml"].splitlines(),
                f"{left['sc']['name']} v{left['sc']['version']}",
                f"{right['sc']['name']} v{right['sc']['version']}",
                context=True,
                numlines=2,
            )
        )
    return page(
        request,
        "compare.html",
        a=a,
        b=b,
        left=left,
        right=right,
        rows=rows,
        diff=diff,
        choices=choices,
        **_ctx(s, who),
    )


# --------------------------------------------------------------------------------------------- audit
@router.get("/audit")
def audit_page(request: Request, s: Db, who: Who) -> Response:
    """The organisation's audit log (admins)."""
    return page(request, "audit.html", events=store.list_audit(s, who, 500), **_ctx(s, who))


# --------------------------------------------------------------------------------------------- wiring
def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def install(app: FastAPI) -> None:
    """Add the pages, static files and HTML error pages to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("stackplan.service", "static")]), name="static")
    plotly_js = _plotly_js()

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_script() -> FileResponse:
        return FileResponse(
            plotly_js, media_type="text/javascript", headers={"cache-control": "public, max-age=86400"}
        )

    @app.exception_handler(LoginRequiredError)
    async def _login(_r: Request, exc: LoginRequiredError) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/?=&@')}", 303)

    for exc_type, code in (
        (store.NotFoundError, 404),
        (store.ForbiddenError, 403),
        (store.ConflictError, 409),
    ):
        _html_error(app, exc_type, code)


def _html_error(app: FastAPI, exc_type: type[Exception], code: int) -> None:
    """API paths answer JSON; pages answer a readable HTML error."""

    @app.exception_handler(exc_type)
    async def _handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=code)
        html = _env.get_template("error.html").render(
            request=request, code=code, message=str(exc), me=None, path=""
        )
        return HTMLResponse(html, status_code=code)
