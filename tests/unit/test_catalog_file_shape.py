"""Every shipped catalogue CSV row has exactly as many fields as its header.

An unquoted comma in a free-text column silently shifts the ``source`` column (csv.DictReader
puts the overflow under a ``None`` key), so a row can pass the "source is filled" check while
showing the wrong source. This test reads the raw files, independent of the loaders.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

DATA = resources.files("stackplan.catalog") / "data"
CSV_FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".csv"))


def test_there_are_catalogue_files() -> None:
    assert "assumptions.csv" in CSV_FILES
    assert "electricity_prices.csv" in CSV_FILES


@pytest.mark.parametrize("name", CSV_FILES)
def test_rows_have_as_many_fields_as_the_header(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    header, data = rows[0], rows[1:]
    bad = [(i, row[0], len(row)) for i, row in enumerate(data, start=1) if len(row) != len(header)]
    assert bad == [], f"{name}: rows (index, key, fields) with != {len(header)} fields: {bad}"


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_row_names_a_source(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    if reader.fieldnames is None or "source" not in reader.fieldnames:
        pytest.skip(f"{name} has no source column")
    for row in reader:
        assert len((row["source"] or "").strip()) >= 8, f"{name}: {row}"
