"""thermo.load, `thermo view` and `thermo report` on small synthetic results (no solver runs)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import thermo
from thermo import cli
from thermo.meshes import Grid
from thermo.io.result import write_result, write_summary

GRID = Grid(size=(0.6, 0.4, 1.0), cells=(12, 8, 10), origin=(0.1, -0.2, 0.0))
CASE_TEXT = '[case]\nname = "synthetic"\n[domain]\nsize = [0.6, 0.4, 1.0]\ncells = [12, 8, 10]\n'
SIZE = "360x260"


def make_fields(grid: Grid = GRID, uniform: bool = False) -> dict[str, np.ndarray]:
    x, y, z = grid.mesh()
    xi = (x - grid.origin[0]) / grid.size[0]
    T = np.full(grid.cells, 30.0) if uniform else 20.0 + 30.0 * xi + 5.0 * z
    U = np.stack([0.5 + 0.2 * z, 0.1 * np.sin(6.0 * xi), 0.3 * xi], axis=-1)
    material = ((np.abs(xi - 0.5) < 0.2) & (np.abs(y) < 0.1) & (np.abs(z - 0.5) < 0.2)).astype(np.int32)
    U[material != 0] = 0.0
    p = (x * y - z).astype(np.float32)
    return {"T": T, "U": U, "p": p, "material": material}


@pytest.fixture
def result_dir(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    fields = make_fields()
    frames = [(0.5, make_fields(uniform=True)), (1.0, fields)]
    write_result(out / "result.vtkhdf", GRID, fields, case_text=CASE_TEXT,
                 attrs={"steps": 7, "status": "finished", "limits": [1, 2]}, frames=frames)
    return out


def _png(path):
    from PIL import Image

    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def _colours(pixels: np.ndarray) -> int:
    return len(np.unique(pixels.reshape(-1, 3), axis=0))


def _no_temporaries(folder) -> None:
    assert not [p.name for p in folder.iterdir() if ".tmp-" in p.name]


# --------------------------------------------------------------------------- load

def test_load_round_trips_a_written_result(result_dir):
    r = thermo.load(result_dir / "result.vtkhdf")
    assert r.grid == GRID
    expected = make_fields()
    assert set(r.fields) == set(expected)
    for name, array in expected.items():
        np.testing.assert_array_equal(r.fields[name], array)
        assert r.fields[name].shape == array.shape
    x, y, z = r.coords
    for axis, c in enumerate((x, y, z)):
        np.testing.assert_allclose(c, GRID.centers(axis))
    assert r.coords.z is z and len(x) == 12
    assert r.attrs["steps"] == 7 and r.attrs["status"] == "finished" and r.attrs["limits"] == [1, 2]
    assert r.case_name == "synthetic"
    assert [t for t, _ in r.frames] == [0.5, 1.0] and list(r.times) == [0.5, 1.0]
    np.testing.assert_array_equal(r.frames[1][1]["T"], expected["T"])
    assert "12x8x10" in repr(r) and len(repr(r)) < 300


def test_load_accepts_an_output_folder(result_dir):
    r = thermo.load(result_dir)
    assert r.path == result_dir / "result.vtkhdf"
    np.testing.assert_array_equal(r.fields["T"], make_fields()["T"])


def test_load_reads_an_older_versions_result_h5(tmp_path):
    # output folders of versions before result.vtkhdf hold result.h5 (same layout)
    write_result(tmp_path / "result.h5", GRID, make_fields(), case_text=CASE_TEXT)
    r = thermo.load(tmp_path)
    assert r.path == tmp_path / "result.h5"
    np.testing.assert_array_equal(r.fields["T"], make_fields()["T"])
    from thermo.io.result import read_pyvista

    mesh = read_pyvista(tmp_path)  # sent to VTK's HDF reader despite the .h5
    assert mesh.n_cells == 12 * 8 * 10
    assert (tmp_path / "result.h5").exists() and not (tmp_path / "result.vtkhdf").exists()


def test_load_refuses_missing_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="without a result.vtkhdf"):
        thermo.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no result file"):
        thermo.load(tmp_path / "nope.h5")
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    with pytest.raises(ValueError, match="not a thermo result"):
        thermo.load(bad)


def test_import_thermo_stays_cheap_and_load_is_lazy():
    code = ("import sys, thermo; heavy = [m for m in ('jax', 'h5py', 'pyvista', 'vtk') if m in sys.modules];"
            "assert not heavy, heavy; assert callable(thermo.load);"
            "from thermo.io.load import Result; assert thermo.Result is Result")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_to_xarray(result_dir):
    xr = pytest.importorskip("xarray")
    r = thermo.load(result_dir)
    ds = r.to_xarray()
    assert isinstance(ds, xr.Dataset)
    assert ds["T"].dims == ("x", "y", "z") and ds["U"].dims == ("x", "y", "z", "component")
    assert list(ds["component"].values) == ["x", "y", "z"]
    np.testing.assert_allclose(ds["x"].values, GRID.centers(0))
    np.testing.assert_array_equal(ds["U"].values, r.fields["U"])
    assert ds["T"].attrs["units"] == "C" and ds["U"].attrs["units"] == "m/s"
    assert ds["p"].attrs["units"] == "m2/s2"
    t = ds["T"].sel(x=GRID.centers(0)[3], y=GRID.centers(1)[2], z=GRID.centers(2)[5]).item()
    assert t == r.fields["T"][3, 2, 5]
    frames = r.to_xarray(frames=True)
    assert frames["T"].dims == ("time", "x", "y", "z") and list(frames["time"].values) == [0.5, 1.0]


def test_to_xarray_without_xarray_says_what_to_install(result_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)  # import xarray -> ImportError
    with pytest.raises(ImportError, match="pip install xarray"):
        thermo.load(result_dir).to_xarray()


# --------------------------------------------------------------------------- view

@pytest.fixture
def pv():
    return pytest.importorskip("pyvista")


def _middle_row(img: np.ndarray) -> np.ndarray:
    """The middle pixel row, left of the scalar bar, background (white) dropped."""
    h, w, _ = img.shape
    row = img[h // 2, : int(0.8 * w)]
    return row[~np.all(row > 245, axis=-1)]


def test_view_slice_writes_a_png_with_the_gradient(pv, result_dir, tmp_path):
    png = tmp_path / "pics" / "slice.png"
    assert cli.main(["view", str(result_dir / "result.vtkhdf"), "--field", "T", "--slice", "z=0.5",
                     "--outline-parts", "-o", str(png), "--size", SIZE]) == 0
    img = _png(png)
    assert img.shape == (260, 360, 3)
    assert _colours(img) > 50
    gradient_row = _middle_row(img)
    # T rises along x: the slice's middle row runs through many colours, dark to bright.
    assert _colours(gradient_row) >= 8
    lum = gradient_row.astype(float).mean(axis=-1)
    assert lum.max() - lum.min() > 100

    # The same check on a uniform temperature sees (nearly) one colour: it measures the slice.
    flat_dir = tmp_path / "flat"
    flat_dir.mkdir()
    write_result(flat_dir / "result.vtkhdf", GRID, make_fields(uniform=True))
    flat_png = tmp_path / "flat.png"
    assert cli.main(["view", str(flat_dir), "--slice", "z=0.5", "-o", str(flat_png), "--size", SIZE]) == 0
    assert _colours(_middle_row(_png(flat_png))) < _colours(gradient_row) // 2
    _no_temporaries(png.parent)


def test_view_speed_slice_with_glyphs_and_default_plane(pv, result_dir, tmp_path, capsys):
    png = tmp_path / "speed.png"
    assert cli.main(["view", str(result_dir), "--field", "U", "--slice", "--glyphs",
                     "--iso", "40", "-o", str(png), "--size", SIZE]) == 0
    assert _colours(_png(png)) > 50
    assert "wrote" in capsys.readouterr().out


def test_view_3d_with_iso_surface_and_glyphs(pv, result_dir, tmp_path):
    png = tmp_path / "3d.png"
    assert cli.main(["view", str(result_dir / "result.vtkhdf"), "--field", "T", "--iso", "35",
                     "--glyphs", "-o", str(png), "--size", SIZE]) == 0
    img = _png(png)
    assert _colours(img) > 100
    assert (img.astype(float).mean(axis=-1) < 200).mean() > 0.02  # more than a blank frame
    _no_temporaries(tmp_path)


def test_view_3d_default_planes_and_pressure(pv, result_dir, tmp_path):
    png = tmp_path / "p.png"
    assert cli.main(["view", str(result_dir), "--field", "p", "-o", str(png), "--size", SIZE]) == 0
    assert _colours(_png(png)) > 50


def test_check_slice_finds_the_layer_and_takes_faces_within_round_off(result_dir):
    from thermo.io.view import PLANE_ROUND_OFF, Slice, ViewError, check_slice

    r = thermo.load(result_dir)
    lo, hi = GRID.origin[0], GRID.origin[0] + GRID.size[0]  # 0.1 .. 0.7 m, 12 cells of 0.05 m
    assert check_slice(r, Slice(0, 0.1 + 2.5 * 0.05)) == 2
    assert check_slice(r, Slice(0, lo)) == 0
    assert check_slice(r, Slice(0, hi)) == GRID.cells[0] - 1
    assert check_slice(r, Slice(0, hi * (1 + PLANE_ROUND_OFF / 2))) == GRID.cells[0] - 1
    with pytest.raises(ViewError, match="outside the domain"):
        check_slice(r, Slice(0, hi * (1 + 2 * PLANE_ROUND_OFF)))


@pytest.mark.parametrize("args, message", [
    (["--field", "Tx"], "no field 'Tx'"),
    (["--slice", "z=1.5"], "outside the domain"),
    (["--slice", "x=0.05"], "outside the domain"),
    (["--slice", "q=0.2"], "bad slice"),
    (["--size", "big"], "bad size"),
])
def test_view_refusals_exit_2_and_write_nothing(result_dir, tmp_path, capsys, args, message):
    png = tmp_path / "out" / "bad.png"
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli.main(["view", str(result_dir), *args, "-o", str(png)]) == 2
    assert message in capsys.readouterr().err
    assert not png.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_view_missing_result_exits_2(tmp_path, capsys):
    assert cli.main(["view", str(tmp_path / "missing"), "-o", str(tmp_path / "a.png")]) == 2
    assert "no result file" in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()


# --------------------------------------------------------------------------- report

SUMMARY = {
    "case": "synthetic", "converged": True, "status": "converged", "steps": 7,
    "simulated_time_s": 1.25, "wall_time_s": 3.5, "compile_time_s": 1.0, "cells": 960,
    "backend": "cpu", "precision": "float64", "heat_sources_w": 120.0, "energy_imbalance": 2.5e-5,
    "residuals": {"momentum": 1e-6, "continuity": 1e-12, "energy": 1e-8},
    "boundaries": {
        "supply": {"heat_w": 50.0, "mass_flow_kg_s": 0.12, "mean_temperature_c": 20.0},
        "exhaust": {"heat_w": -170.0, "mass_flow_kg_s": -0.12, "mean_temperature_c": 21.4},
    },
    "parts": {
        "cpu|0": {"power_w": 120.0, "material": "silicon", "cells": 16, "volume_m3": 1e-3,
                  "max_temperature_c": 48.25, "mean_temperature_c": 41.0},
        "sink": {"power_w": 0.0, "material": "aluminium", "cells": 0, "volume_m3": 0.0,
                 "max_temperature_c": None, "mean_temperature_c": None},
    },
    "fluid": {"max_temperature_c": 45.0, "min_temperature_c": 20.0, "max_speed_m_s": 0.8},
}


def test_report_writes_markdown_and_both_pictures(pv, result_dir, capsys):
    write_summary(result_dir / "summary.json", SUMMARY)
    assert cli.main(["report", str(result_dir), "--size", SIZE]) == 0
    text = (result_dir / "report.md").read_text()
    for word in ("# Report: synthetic", "| converged | yes (converged) |", "| steps | 7 |",
                 "simulated time", "1.25 s", "wall time", "| cells | 960 (12 x 8 x 10) |",
                 "energy imbalance", "2.50e-05", "supply", "exhaust", "0.12", "21.4",
                 "cpu\\|0", "silicon", "48.25", "| sink | aluminium | 0 | - |"):
        assert word in text, word
    for name in ("report-temperature.png", "report-speed.png"):
        assert f"]({name})" in text
        assert _colours(_png(result_dir / name)) > 50
    assert "report.md" in capsys.readouterr().out
    _no_temporaries(result_dir)


def test_report_without_summary_exits_2(result_dir, capsys):
    assert cli.main(["report", str(result_dir)]) == 2
    assert "summary.json" in capsys.readouterr().err
    assert not (result_dir / "report.md").exists()


def test_report_without_result_has_tables_and_says_why(tmp_path, capsys):
    (tmp_path / "summary.json").write_text(json.dumps(SUMMARY))
    assert cli.main(["report", str(tmp_path)]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "| supply |" in text and "No pictures" in text
    assert "no result.vtkhdf" in capsys.readouterr().err


# --------------------------------------------------------------------------- graded grids

GRADED = Grid.from_lines(0.1 + 0.6 * (np.linspace(0, 1, 13) ** 1.6), -0.2 + np.linspace(0, 0.4, 9),
                         np.concatenate([[0.0, 0.02, 0.05, 0.1], np.linspace(0.2, 1.0, 9)]))


@pytest.fixture
def graded_dir(tmp_path):
    out = tmp_path / "graded"
    out.mkdir()
    write_result(out / "result.vtkhdf", GRADED, make_fields(GRADED), case_text=CASE_TEXT,
                 attrs={"steps": 7, "status": "finished"})
    return out


def test_load_gives_the_graded_coordinates(graded_dir):
    res = thermo.load(graded_dir)
    assert not res.grid.is_uniform
    assert np.array_equal(res.faces.x, GRADED.faces(0)) and np.array_equal(res.faces.z, GRADED.faces(2))
    assert np.allclose(res.coords.x, GRADED.centers(0))
    assert np.allclose(res.fields["T"], make_fields(GRADED)["T"])


def test_check_slice_on_a_graded_axis_takes_the_cell_holding_the_plane(graded_dir):
    from thermo.io.view.request import Slice, check_slice

    res = thermo.load(graded_dir)
    faces = GRADED.faces(2)
    for k in range(GRADED.cells[2]):
        mid = 0.5 * (faces[k] + faces[k + 1])
        assert check_slice(res, Slice(2, mid)) == k  # the uniform formula gives other layers here
    assert check_slice(res, Slice(2, 0.03)) == 1


def test_view_and_report_on_a_graded_result(pv, graded_dir, tmp_path):
    png = tmp_path / "graded.png"
    assert cli.main(["view", str(graded_dir), "--field", "T", "--slice", "z=0.5", "--glyphs",
                     "-o", str(png), "--size", SIZE]) == 0
    assert _colours(_middle_row(_png(png))) >= 8
    png3 = tmp_path / "graded3d.png"
    assert cli.main(["view", str(graded_dir), "--field", "T", "--iso", "35", "-o", str(png3),
                     "--size", SIZE]) == 0
    assert _colours(_png(png3)) > 50
    write_summary(graded_dir / "summary.json", SUMMARY)
    assert cli.main(["report", str(graded_dir), "--size", SIZE]) == 0
    assert (graded_dir / "report-temperature.png").is_file()
