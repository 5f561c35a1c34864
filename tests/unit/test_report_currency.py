"""Money in the organisation's currency: the JSON stays in USD (``*_usd`` keys) and says so under
``currency``; the Markdown, HTML and terminal reports convert at the scenario's explicit rate."""

from __future__ import annotations

import io

from rich.console import Console

from stackplan.plan import build_plan
from stackplan.report._text import fmt_usd, money_of
from stackplan.report.html import plan_html
from stackplan.report.markdown import plan_markdown
from stackplan.report.terminal import print_plan
from tests.unit.plan_fixtures import flat_demand, hand_inputs, hand_scenario


def _plan(currency: str, rate: float | None):  # type: ignore[no-untyped-def]
    sc = hand_scenario()
    org = sc.organization.model_copy(update={"currency": currency, "usd_per_currency_unit": rate})
    sc = sc.model_copy(update={"organization": org})
    return build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 16, busy_share=0.5))


def test_json_keeps_usd_and_names_the_currency() -> None:
    usd, eur = _plan("USD", None), _plan("EUR", 1.25)
    d = eur.to_dict()
    assert d["currency"] == {
        "code": "EUR",
        "usd_per_unit": 1.25,
        "json_amounts_in": "USD",
        "reports_in": "EUR",
    }
    # the amounts themselves do not depend on the display currency
    assert d["deployments"][0]["tco_usd"] == usd.to_dict()["deployments"][0]["tco_usd"]
    assert usd.to_dict()["currency"]["code"] == "USD"


def test_reports_convert_at_the_explicit_rate() -> None:
    eur = _plan("EUR", 1.25)
    tco_usd = eur.deployments[0].tco_usd
    with money_of(eur):
        shown = fmt_usd(tco_usd)
    # hand check: USD 1.25 buys one euro, so the euro figure is the USD one / 1.25
    assert shown.startswith("\u20ac")
    assert shown == fmt_usd(tco_usd / 1.25).replace("$", "\u20ac")
    md = plan_markdown(eur)
    assert shown in md
    assert "(EUR)" in md
    assert "(USD)" not in md
    html = plan_html(eur)
    assert "EUR per year" in html
    assert shown in html
    out = io.StringIO()
    print_plan(eur, Console(file=out, width=200))
    assert "Deployments compared (EUR)" in out.getvalue()
    # outside a report, money is USD again
    assert fmt_usd(10.0) == "$10"
