"""result.vtkhdf (VTKHDF ImageData) and summary.json writers."""
from __future__ import annotations

import json
import os

import h5py
import numpy as np
import pytest

import thermo
from thermo.meshes import Grid
from thermo.io.result import (
    PRESSURE_KIND,
    atomic_path,
    atomic_write_bytes,
    read_pyvista,
    read_result,
    write_result,
    write_summary,
)

pv = pytest.importorskip("pyvista")

CASE_TEXT = 'name = "test"\n[domain]\nsize = [0.4, 0.3, 0.2]\ncells = [4, 3, 2]\n'


def make_fields(grid: Grid) -> dict[str, np.ndarray]:
    i, j, k = np.meshgrid(*(np.arange(n) for n in grid.cells), indexing="ij")
    T = (i + 10 * j + 100 * k).astype(np.float64)
    U = np.stack([i, -j, 0.5 * k], axis=-1).astype(np.float64)
    p = (0.25 * i * j - k).astype(np.float32)
    material = ((i + j + k) % 3).astype(np.int32)
    return {"T": T, "U": U, "p": p, "material": material}


GRIDS = {
    "3d": Grid(size=(0.4, 0.6, 0.3), cells=(4, 3, 2), origin=(0.1, -0.2, 0.05)),
    "2d": Grid(size=(1.0, 0.5, 0.01), cells=(5, 4, 1)),
}


def vtk_cell_order(a: np.ndarray) -> np.ndarray:
    """Our [i, j, k](, c) array flattened in VTK's cell order (x fastest)."""
    if a.ndim == 3:
        return a.ravel(order="F")
    return np.stack([a[..., c].ravel(order="F") for c in range(a.shape[-1])], axis=-1)


@pytest.mark.parametrize("kind", ["3d", "2d"])
def test_pyvista_reads_geometry_and_cell_values(tmp_path, kind):
    grid = GRIDS[kind]
    fields = make_fields(grid)
    path = tmp_path / "result.vtkhdf"
    write_result(path, grid, fields, case_text=CASE_TEXT)

    mesh = read_pyvista(path)
    assert isinstance(mesh, pv.ImageData)
    assert mesh.dimensions == tuple(n + 1 for n in grid.cells)
    assert mesh.n_cells == grid.ncells
    np.testing.assert_allclose(mesh.spacing, grid.spacing, rtol=1e-12)
    np.testing.assert_allclose(mesh.origin, grid.origin, rtol=1e-12)

    # x-fastest ordering: T = i + 10 j + 100 k gives 0, 1, 2, ... along x first.
    T = np.asarray(mesh.cell_data["T"])
    nx = grid.cells[0]
    np.testing.assert_array_equal(T[:nx], np.arange(nx))
    if grid.cells[1] > 1:
        assert T[nx] == 10.0
    for name, a in fields.items():
        got = np.asarray(mesh.cell_data[name])
        np.testing.assert_array_equal(got, vtk_cell_order(a), err_msg=name)
    assert np.asarray(mesh.cell_data["U"]).shape == (grid.ncells, 3)
    assert mesh.cell_data["material"].dtype == np.int32

    # A cell's value sits at that cell's centre.
    i, j, k = (n - 1 for n in grid.cells)
    centre = [grid.centers(a)[idx] for a, idx in enumerate((i, j, k))]
    cid = mesh.find_containing_cell(centre)
    assert T[cid] == fields["T"][i, j, k]


def test_multi_chunk_gzip_datasets_read_by_vtk(tmp_path):
    grid = Grid(size=(1.0, 1.0, 1.0), cells=(40, 30, 20))
    fields = make_fields(grid)
    path = tmp_path / "result.vtkhdf"
    write_result(path, grid, fields)
    with h5py.File(path, "r") as f:
        ds = f["VTKHDF/CellData/T"]
        assert ds.chunks != ds.shape  # more than one chunk
    mesh = read_pyvista(path)
    for name in ("T", "U"):
        np.testing.assert_array_equal(mesh.cell_data[name], vtk_cell_order(fields[name]))


def test_plain_pyvista_read_with_vtkhdf_extension(tmp_path):
    grid = GRIDS["3d"]
    path = tmp_path / "result.vtkhdf"
    write_result(path, grid, make_fields(grid))
    mesh = pv.read(path)
    assert mesh.dimensions == (5, 4, 3)
    np.testing.assert_array_equal(mesh.cell_data["T"][:4], [0, 1, 2, 3])


def test_hdf5_layout(tmp_path):
    grid = GRIDS["3d"]
    path = tmp_path / "result.vtkhdf"
    write_result(path, grid, make_fields(grid), case_text=CASE_TEXT)
    with h5py.File(path, "r") as f:
        vtk = f["VTKHDF"]
        assert vtk.attrs["Type"] == b"ImageData"
        assert list(vtk.attrs["Version"]) == [2, 0]
        assert list(vtk.attrs["WholeExtent"]) == [0, 4, 0, 3, 0, 2]
        np.testing.assert_array_equal(vtk.attrs["Direction"], np.eye(3).ravel())
        T = vtk["CellData/T"]
        assert T.shape == (2, 3, 4)
        assert T.compression == "gzip" and T.compression_opts == 4 and T.chunks is not None
        assert vtk["CellData/U"].shape == (2, 3, 4, 3)
        assert T[1, 2, 3] == 3 + 10 * 2 + 100 * 1
        assert f.attrs["case"] == CASE_TEXT
        assert f.attrs["pressure"] == PRESSURE_KIND
        assert f.attrs["thermo_version"] == thermo.__version__


@pytest.mark.parametrize("kind", ["3d", "2d"])
def test_read_result_round_trips(tmp_path, kind):
    grid = GRIDS[kind]
    fields = make_fields(grid)
    frames = [
        (0.5, {"T": fields["T"] + 1.0, "U": fields["U"] * 2}),
        (1.25, {"T": fields["T"] + 2.0, "U": fields["U"] * 3}),
    ]
    extra = {"steps": 12, "converged": True, "residual": 1.5e-7, "backend": "cpu",
             "boundaries": {"hot": {"heat_w": 0.045}}, "cells_list": [4, 3, 2]}
    path = tmp_path / "result.vtkhdf"
    write_result(path, grid, fields, case_text=CASE_TEXT, attrs=extra, frames=frames)

    out = read_result(path)
    assert out["grid"] == grid
    assert set(out["fields"]) == set(fields)
    for name, a in fields.items():
        got = out["fields"][name]
        assert got.dtype == a.dtype and got.shape == a.shape, name
        np.testing.assert_array_equal(got, a, err_msg=name)
    assert out["attrs"]["case"] == CASE_TEXT
    assert out["attrs"]["pressure"] == PRESSURE_KIND
    assert out["attrs"]["thermo_version"] == thermo.__version__
    for key, value in extra.items():
        assert out["attrs"][key] == value, key
    assert [t for t, _ in out["frames"]] == [0.5, 1.25]
    for (_, want), (_, got) in zip(frames, out["frames"]):
        assert set(got) == set(want)
        for name in want:
            np.testing.assert_array_equal(got[name], want[name])
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["frames/times"][()], [0.5, 1.25])
    # pyvista still reads the final fields when frames are present.
    np.testing.assert_array_equal(read_pyvista(path).cell_data["T"], vtk_cell_order(fields["T"]))


def test_no_frames_gives_empty_list(tmp_path):
    grid = GRIDS["2d"]
    path = tmp_path / "r.h5"
    write_result(path, grid, {"T": np.zeros(grid.cells)})
    out = read_result(path)
    assert out["frames"] == [] and out["attrs"]["case"] == ""


def test_bad_field_shape_writes_nothing(tmp_path):
    grid = GRIDS["3d"]
    path = tmp_path / "result.vtkhdf"
    with pytest.raises(ValueError):
        write_result(path, grid, {"T": np.zeros((3, 4, 2))})
    assert os.listdir(tmp_path) == []


def test_atomic_path_failure_leaves_existing_file(tmp_path):
    path = tmp_path / "result.vtkhdf"
    path.write_bytes(b"old contents")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_path(path) as tmp:
            assert tmp.parent == path.parent and tmp.name.startswith(".result.vtkhdf.tmp-")
            tmp.write_bytes(b"half written")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old contents"
    assert sorted(os.listdir(tmp_path)) == ["result.vtkhdf"]

    # A failing write_result (bad field) also leaves the old file intact.
    with pytest.raises(ValueError):
        write_result(path, GRIDS["3d"], {"T": np.zeros((1, 1, 1))})
    assert path.read_bytes() == b"old contents"
    assert sorted(os.listdir(tmp_path)) == ["result.vtkhdf"]


def test_atomic_write_bytes_replaces(tmp_path):
    path = tmp_path / "f.bin"
    atomic_write_bytes(path, b"one")
    atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_write_summary_round_trips_numpy_scalars(tmp_path):
    summary = {
        "case": "cavity",
        "converged": np.bool_(True),
        "steps": np.int64(12345),
        "wall_time_s": np.float32(12.5),
        "energy_imbalance": np.float64(4e-4),
        "heat_sources_w": float("nan"),
        "probe": np.array([1.0, 2.5]),
        "boundaries": {"hot": {"heat_w": np.float64(0.0452), "mass_flow_kg_s": 0.0}},
        "parts": {"chip0": {"cells": np.int32(96), "max_temperature_c": np.float64(np.inf)}},
    }
    path = tmp_path / "summary.json"
    write_summary(path, summary)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert text.startswith('{\n  "case": "cavity"')
    got = json.loads(text)
    assert got == {
        "case": "cavity",
        "converged": True,
        "steps": 12345,
        "wall_time_s": 12.5,
        "energy_imbalance": 4e-4,
        "heat_sources_w": None,
        "probe": [1.0, 2.5],
        "boundaries": {"hot": {"heat_w": 0.0452, "mass_flow_kg_s": 0.0}},
        "parts": {"chip0": {"cells": 96, "max_temperature_c": None}},
    }
    assert type(got["steps"]) is int and type(got["converged"]) is bool
    assert os.listdir(tmp_path) == ["summary.json"]


def test_offscreen_render_of_a_slice(tmp_path):
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    pv.OFF_SCREEN = True
    grid = Grid(size=(1.0, 1.0, 1.0), cells=(8, 8, 4))
    path = tmp_path / "result.vtkhdf"
    write_result(path, grid, make_fields(grid))
    mesh = read_pyvista(path)
    sl = mesh.slice(normal="z", origin=mesh.center)
    assert sl.n_cells > 0

    png = tmp_path / "slice.png"
    plotter = pv.Plotter(off_screen=True, window_size=(160, 120))
    try:
        plotter.add_mesh(sl, scalars="T", show_scalar_bar=False)
        plotter.view_xy()
        plotter.screenshot(str(png))
    finally:
        plotter.close()
    assert png.stat().st_size > 0
    image = pv.read(png)
    rgb = np.asarray(image.point_data.active_scalars)
    rgb = rgb.reshape(-1, rgb.shape[-1]) if rgb.ndim > 1 else rgb.reshape(-1, 1)
    assert len(np.unique(rgb, axis=0)) > 1
