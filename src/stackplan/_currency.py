"""Currency symbols and short money amounts, shared by the plan's wording and the reports."""

from __future__ import annotations

__all__ = ["SYMBOLS", "currency_symbol_of", "short_amount"]

#: Symbols of common currencies; other codes are written as the code and a space.
SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5"}


def currency_symbol_of(code: str) -> str:
    """``$``, ``€``, ... for an ISO 4217 code; the code and a space when it has no symbol here."""
    return SYMBOLS.get(code, code + " ")


def short_amount(amount: float, symbol: str, digits: int = 1) -> str:
    """``$1.2M`` style: an ``amount`` already in the currency of ``symbol``; ``digits`` decimals for
    millions and billions, thousands from 10,000, cents below 10."""
    sign = "-" if amount < 0 else ""
    x = abs(amount)
    if x >= 1e9:
        return f"{sign}{symbol}{x / 1e9:,.{digits}f}B"
    if x >= 1e6:
        return f"{sign}{symbol}{x / 1e6:,.{digits}f}M"
    if x >= 1e4:
        return f"{sign}{symbol}{x / 1e3:,.0f}k"
    if x >= 10:
        return f"{sign}{symbol}{x:,.0f}"
    if x >= 0.1 or x == 0:
        return f"{sign}{symbol}{x:,.2f}"
    return f"{sign}{symbol}{x:.2g}"
