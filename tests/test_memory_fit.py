"""thermo info --fit: the largest grid a device memory holds, from the measured bytes
per cell of the compiled step."""
from __future__ import annotations

import re

import pytest

from thermo.cli import main
from thermo.solver import memory
from thermo.solver.memory import bytes_per_cell, largest_grid, parse_memory

CASE = """
[case]
name = "tiny-duct"

[domain]
size = [0.4, 0.1, 0.1]
cells = [8, 4, 4]

[[parts]]
name = "block"
kind = "solid"
material = "aluminium"
power = 50.0
box = { min = [0.15, 0.025, 0.0], max = [0.25, 0.075, 0.05] }

[[boundaries]]
name = "inlet"
face = "x-"
flow = "inlet"
velocity = [0.5, 0.0, 0.0]
temperature = 20.0

[[boundaries]]
name = "outlet"
face = "x+"
flow = "outlet"
"""


def test_memory_sizes():
    assert parse_memory("141GB") == 141 * 10**9
    assert parse_memory("80 GiB") == 80 * 2**30
    assert parse_memory("512MB") == 512 * 10**6
    assert parse_memory("1.5TiB") == int(1.5 * 2**40)
    assert parse_memory("4096") == 4096
    for bad in ("141XB", "-1GB", "GB", "0GB", ""):
        with pytest.raises(ValueError, match="accepted: a positive size with a unit"):
            parse_memory(bad)


def test_largest_grid_by_hand():
    # (1e9 - 1e6) / 1000 = 999,000 cells; 99^3 = 970,299 <= 999,000 < 100^3
    assert largest_grid(1e9, 1000.0, 1e6) == (999_000, 99)
    assert largest_grid(1e6 + 8000, 1000.0, 1e6) == (8, 2)     # exactly 2^3
    assert largest_grid(1e6 + 7999, 1000.0, 1e6) == (7, 1)
    assert largest_grid(1e5, 1000.0, 1e6) == (0, 0)            # the fixed part alone is too big


@pytest.mark.slow
def test_fit_from_the_measured_bytes_per_cell(tmp_path, monkeypatch, capsys):
    """A check of the arithmetic on the measured float32 step (two compiles): the
    largest grid's step fits the memory and one cell more would not; the command
    prints those numbers for each precision."""
    path = tmp_path / "duct.toml"
    path.write_text(CASE)
    per_cell, fixed = bytes_per_cell(path, "float32")
    size = 141 * 10**9
    cells, n = largest_grid(size, per_cell, fixed)
    print(f"float32: {per_cell:.0f} B/cell, {fixed:.0f} B fixed: {cells:,} cells, {n}^3 in 141 GB")
    assert 100 < per_cell < 10_000
    assert fixed + per_cell * cells <= size < fixed + per_cell * (cells + 1)
    assert n ** 3 <= cells < (n + 1) ** 3

    measured = {"float32": (per_cell, fixed), "mixed": (1.01 * per_cell, fixed),
                "float64": (2 * per_cell, fixed)}
    monkeypatch.setattr(memory, "bytes_per_cell", lambda p, precision, o=(): measured[precision])
    assert main(["info", str(path), "--fit", "141GB"]) == 0
    out = capsys.readouterr().out
    found = re.findall(r"in 141GB \(141,000,000,000 bytes\): at most ([\d,]+) cells .* cube of "
                       r"(\d+)\^3", out)
    assert len(found) == 3, out
    for (c, k), precision in zip(found, ("float32", "mixed", "float64")):
        assert (int(c.replace(",", "")), int(k)) == largest_grid(size, *measured[precision])
    assert main(["info", str(path), "--fit", "141XB"]) == 2
    assert "accepted: a positive size with a unit" in capsys.readouterr().err
