"""Currency symbols and short money amounts, shared by the plan's wording and the reports."""

from __future__ import annotations

__all__ = ["SYMBOLS", "currency_symbol_of", "short_amount"]

#: Symbols of common currencies; other codes are written as the code and a space.
SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5"}


def currency_symbol_of(code: str) -> str:
    """``$``, ``€``, ... for an ISO 4217 code; the code and a space when it has no symbol here."""
    return SYMBOLS.get(code, code + " ")


def short_amount(usd: float, code: str = "USD", usd_per_unit: float = 1.0) -> str:
    """``$6.1M`` style: a USD amount converted at ``usd_per_unit`` USD per unit of ``code``."""
    x = usd / usd_per_unit
    cur = currency_symbol_of(code)
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e9:
        return f"{sign}{cur}{x / 1e9:,.2f}B"
    if x >= 1e6:
        return f"{sign}{cur}{x / 1e6:,.1f}M"
    if x >= 1e3:
        return f"{sign}{cur}{x / 1e3:,.0f}k"
    return f"{sign}{cur}{x:,.0f}"
