"""Results on a graded grid (thermo.io.rectilinear): a VTKHDF UnstructuredGrid of
hexahedra that a plain pyvista.read opens at its true coordinates."""
from __future__ import annotations

import os

import h5py
import numpy as np
import pytest

from thermo.io import rectilinear
from thermo.io.rectilinear import (
    VTK_HEXAHEDRON,
    face_centres,
    is_rectilinear,
    read_rectilinear,
    write_rectilinear,
)
from thermo.io.result import PRESSURE_KIND, read_pyvista, write_result
from thermo.meshes import Grid
from thermo.version import __version__

pv = pytest.importorskip("pyvista")

CASE_TEXT = 'name = "graded"\n[domain]\nsize = [1.5, 5.0, 0.5]\n'


def stretched_faces(n: int, start: float, first: float, ratio: float) -> np.ndarray:
    """n + 1 faces from ``start``, the first cell ``first`` wide, each next ``ratio`` times wider."""
    return start + np.concatenate([[0.0], np.cumsum(first * ratio ** np.arange(n))])


# A graded grid: geometric growth along x and y (different ratios), hand-picked z.
FACES = {
    "3d": (stretched_faces(5, -0.2, 0.01, 1.8), stretched_faces(4, 0.1, 0.5, 0.5),
           np.array([0.0, 0.02, 0.1, 0.5])),
    "2d": (stretched_faces(6, 0.0, 0.1, 1.3), np.array([0.0, 0.3, 0.35, 1.0]), np.array([0.0, 0.01])),
}


def make_fields(cells: tuple[int, int, int]) -> dict[str, np.ndarray]:
    i, j, k = np.meshgrid(*(np.arange(n) for n in cells), indexing="ij")
    T = (i + 10 * j + 100 * k).astype(np.float64)
    U = np.stack([i, -j, 0.5 * k], axis=-1).astype(np.float32)
    p = (0.25 * i * j - k).astype(np.float32)
    material = ((i + j + k) % 3).astype(np.int32)
    return {"T": T, "U": U, "p": p, "material": material}


def cells_of(faces) -> tuple[int, int, int]:
    return tuple(len(f) - 1 for f in faces)


def vtk_cell_order(a: np.ndarray) -> np.ndarray:
    """Our [i, j, k](, c) array flattened in VTK's cell order (x fastest)."""
    if a.ndim == 3:
        return a.ravel(order="F")
    return np.stack([a[..., c].ravel(order="F") for c in range(a.shape[-1])], axis=-1)


def centres_vtk_order(faces) -> np.ndarray:
    """The true cell centres, (ncells, 3), in VTK's cell order."""
    mesh = np.meshgrid(*(face_centres(f) for f in faces), indexing="ij")
    return np.stack([vtk_cell_order(m) for m in mesh], axis=-1)


@pytest.mark.parametrize("kind", ["3d", "2d"])
def test_plain_pyvista_read_gives_true_cell_centres_and_values(tmp_path, kind):
    faces = FACES[kind]
    cells = cells_of(faces)
    fields = make_fields(cells)
    path = tmp_path / "result.vtkhdf"
    write_rectilinear(path, *faces, fields, case_text=CASE_TEXT)

    mesh = pv.read(os.fspath(path))  # a plain read: VTK's HDF reader from the extension
    assert isinstance(mesh, pv.UnstructuredGrid)
    assert mesh.n_cells == int(np.prod(cells))
    assert mesh.n_points == int(np.prod([n + 1 for n in cells]))
    assert set(mesh.celltypes) == {VTK_HEXAHEDRON}
    np.testing.assert_allclose(mesh.bounds, [v for f in faces for v in (f[0], f[-1])], rtol=0, atol=1e-15)

    centres = mesh.cell_centers().points
    want = centres_vtk_order(faces)
    np.testing.assert_allclose(centres, want, rtol=0, atol=1e-12)
    # the grid really is graded: the centres of a uniform grid of the same box differ
    uniform = Grid(size=tuple(f[-1] - f[0] for f in faces), cells=cells, origin=tuple(f[0] for f in faces))
    assert not np.allclose(centres, centres_vtk_order([uniform.faces(a) for a in range(3)]), atol=1e-3)

    for name, array in fields.items():
        np.testing.assert_array_equal(mesh.cell_data[name], vtk_cell_order(array))
        assert mesh.cell_data[name].dtype == array.dtype

    # values at known cells, found by position: the geometry and the values agree
    for i, j, k in [(0, 0, 0), (cells[0] - 1, 1, 0), (2, cells[1] - 1, cells[2] - 1)]:
        inside = [face_centres(f)[n] for f, n in zip(faces, (i, j, k))]
        cell = int(mesh.find_containing_cell(inside))
        assert cell == i + cells[0] * (j + cells[1] * k)
        assert mesh.cell_data["T"][cell] == i + 10 * j + 100 * k
        np.testing.assert_array_equal(mesh.cell_data["U"][cell], fields["U"][i, j, k])
        assert mesh.cell_data["material"][cell] == (i + j + k) % 3


def test_read_pyvista_opens_it(tmp_path):
    faces = FACES["3d"]
    fields = make_fields(cells_of(faces))
    write_rectilinear(tmp_path / "result.vtkhdf", *faces, fields)
    for where in (tmp_path, tmp_path / "result.vtkhdf"):  # an output folder, or the file
        mesh = read_pyvista(where)
        assert isinstance(mesh, pv.UnstructuredGrid)
        np.testing.assert_allclose(mesh.cell_centers().points, centres_vtk_order(faces), rtol=0, atol=1e-12)


def test_uniform_grid_opens_like_imagedata(tmp_path):
    grid = Grid(size=(0.4, 0.6, 0.3), cells=(4, 3, 2), origin=(0.1, -0.2, 0.05))
    fields = make_fields(grid.cells)
    write_result(tmp_path / "image.vtkhdf", grid, fields)
    write_rectilinear(tmp_path / "hexes.vtkhdf", *(grid.faces(a) for a in range(3)), fields)

    image = pv.read(os.fspath(tmp_path / "image.vtkhdf"))
    hexes = pv.read(os.fspath(tmp_path / "hexes.vtkhdf"))
    assert isinstance(image, pv.ImageData) and isinstance(hexes, pv.UnstructuredGrid)
    assert hexes.n_cells == image.n_cells
    np.testing.assert_allclose(hexes.cell_centers().points, image.cell_centers().points, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hexes.bounds, image.bounds, rtol=0, atol=1e-12)
    for name in fields:
        np.testing.assert_array_equal(hexes.cell_data[name], image.cell_data[name])


def test_round_trip(tmp_path):
    faces = FACES["3d"]
    cells = cells_of(faces)
    fields = make_fields(cells)
    fields["solid"] = fields["material"] > 0  # bool, stored as uint8 (as write_result does)
    frames = [(0.0, {"T": fields["T"] - 1.0}), (2.5, {"T": fields["T"], "U": fields["U"]})]
    attrs = {"steps": 7, "status": "converged", "simulated_time_s": 2.5,
             "history": [1.0, float("nan"), 3], "probe": {"at": np.array([0.1, 0.2])}}
    path = tmp_path / "result.vtkhdf"
    write_rectilinear(path, list(faces[0]), *faces[1:], fields, case_text=CASE_TEXT, attrs=attrs,
                      frames=frames)

    data = read_rectilinear(path)
    assert data["cells"] == cells
    for got, want in zip(data["faces"], faces):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(data["centres"], faces):
        np.testing.assert_allclose(got, 0.5 * (want[1:] + want[:-1]), rtol=0, atol=0)
    assert set(data["fields"]) == set(fields)
    for name, array in fields.items():
        got = data["fields"][name]
        assert got.shape == array.shape
        np.testing.assert_array_equal(got, array)
        assert got.dtype == (np.uint8 if array.dtype == np.bool_ else array.dtype)

    assert data["attrs"] == {"case": CASE_TEXT, "thermo_version": __version__, "pressure": PRESSURE_KIND,
                             "steps": 7, "status": "converged", "simulated_time_s": 2.5,
                             "history": [1.0, None, 3], "probe": {"at": [0.1, 0.2]}}
    assert [t for t, _ in data["frames"]] == [0.0, 2.5]
    np.testing.assert_array_equal(data["frames"][0][1]["T"], fields["T"] - 1.0)
    assert set(data["frames"][1][1]) == {"T", "U"}
    np.testing.assert_array_equal(data["frames"][1][1]["U"], fields["U"])

    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["frames/times"][()], [0.0, 2.5])
        assert f["frames"].attrs["count"] == 2
        # a plain read shows the final fields, not a frame
    np.testing.assert_array_equal(pv.read(os.fspath(path)).cell_data["T"], vtk_cell_order(fields["T"]))


def test_file_layout(tmp_path):
    faces = FACES["3d"]
    cells = cells_of(faces)
    n = int(np.prod(cells))
    path = tmp_path / "result.vtkhdf"
    write_rectilinear(path, *faces, make_fields(cells))
    with h5py.File(path, "r") as f:
        vtk = f["VTKHDF"]
        assert vtk.attrs["Type"] == b"UnstructuredGrid"
        assert list(vtk.attrs["Version"]) == [2, 0]
        assert vtk["NumberOfCells"][()].tolist() == [n]
        assert vtk["NumberOfConnectivityIds"][()].tolist() == [8 * n]
        assert vtk["Connectivity"].dtype == np.int32  # small grid: 32-bit ids
        np.testing.assert_array_equal(vtk["Offsets"][()], np.arange(0, 8 * n + 1, 8))
        assert set(vtk["Types"][()].tolist()) == {VTK_HEXAHEDRON}
        assert vtk["CellData/U"].shape == (n, 3)
        for name, axis in zip("xyz", faces):
            np.testing.assert_array_equal(f["coordinates"][name][()], axis)
    assert is_rectilinear(path)


def test_wide_ids_when_they_do_not_fit_32_bits(tmp_path, monkeypatch):
    monkeypatch.setattr(rectilinear, "_INT32_MAX", 10)  # as if the grid had 2**31 points
    faces = FACES["3d"]
    cells = cells_of(faces)
    path = tmp_path / "result.vtkhdf"
    write_rectilinear(path, *faces, make_fields(cells))
    with h5py.File(path, "r") as f:
        assert f["VTKHDF/Connectivity"].dtype == np.int64
        assert f["VTKHDF/Offsets"].dtype == np.int64
    mesh = pv.read(os.fspath(path))
    np.testing.assert_allclose(mesh.cell_centers().points, centres_vtk_order(faces), rtol=0, atol=1e-12)


def test_is_rectilinear_tells_the_formats_apart(tmp_path):
    grid = Grid(size=(1.0, 1.0, 1.0), cells=(2, 2, 2))
    write_result(tmp_path / "image.vtkhdf", grid, make_fields(grid.cells))
    (tmp_path / "text.vtkhdf").write_text("not HDF5")
    assert not is_rectilinear(tmp_path / "image.vtkhdf")
    assert not is_rectilinear(tmp_path / "text.vtkhdf")
    assert not is_rectilinear(tmp_path / "missing.vtkhdf")
    with pytest.raises(ValueError, match="not a graded-grid result"):
        read_rectilinear(tmp_path / "image.vtkhdf")


@pytest.mark.parametrize("faces, match", [
    (([0.0, 1.0, 0.5], [0.0, 1.0], [0.0, 1.0]), "x are not strictly increasing"),
    (([0.0, 1.0], [0.0, 0.0], [0.0, 1.0]), "y are not strictly increasing"),
    (([0.0, 1.0], [0.0, 1.0], [0.0]), "z need a 1-D array of at least 2"),
    (([0.0, 1.0], [[0.0, 1.0]], [0.0, 1.0]), "y need a 1-D array"),
    (([0.0, np.nan], [0.0, 1.0], [0.0, 1.0]), "x are not all finite"),
])
def test_bad_coordinates_refused(tmp_path, faces, match):
    with pytest.raises(ValueError, match=match):
        write_rectilinear(tmp_path / "r.vtkhdf", *faces, {"T": np.zeros(tuple(len(f) - 1 for f in faces[:2]) + (1,))})
    assert not list(tmp_path.iterdir())


def test_failed_write_leaves_the_old_file(tmp_path):
    faces = FACES["3d"]
    cells = cells_of(faces)
    fields = make_fields(cells)
    path = tmp_path / "result.vtkhdf"
    write_rectilinear(path, *faces, fields)
    before = path.read_bytes()

    with pytest.raises(ValueError, match="field 'T' has shape"):
        write_rectilinear(path, *faces, {"T": np.zeros((2, 2, 2))})
    with pytest.raises(ValueError, match="field 'T' has shape"):  # a frame's field, checked first too
        write_rectilinear(path, *faces, fields, frames=[(1.0, {"T": np.zeros(cells + (3, 2))})])
    with pytest.raises(ValueError, match="bad field name"):
        write_rectilinear(path, *faces, {"a/b": fields["T"]})
    # an error inside the HDF5 file (h5py cannot store objects): the temporary goes away
    with pytest.raises(TypeError):
        write_rectilinear(path, *faces, {"T": fields["T"], "junk": np.empty(cells, dtype=object)})

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.vtkhdf"]
    np.testing.assert_array_equal(read_rectilinear(path)["fields"]["T"], fields["T"])
