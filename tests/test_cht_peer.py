"""The OpenFOAM peer of the conjugate channel (thermo/bench/cht_peer.py): the case it
writes from a thermo case, OpenFOAM's acceptance of it (skipped without OpenFOAM, as
in CI) and thermo's side of the comparison on a coarse grid."""
import pathlib
import subprocess

import pytest

from thermo.bench import cht_peer
from thermo.bench.openfoam_peer import openfoam_bashrc
from thermo.case import example_path, load_case

# 4 mm cells: every face of the example still lies on a grid line
COARSE = ["domain.cells=[40,10,4]"]


def _case(extra=()):
    return load_case(example_path("cht-channel"), COARSE + list(extra))


def test_spec_reads_the_example():
    spec = cht_peer.cht_spec(_case())
    assert [s.region for s in spec.solids] == ["board", "chip0", "chip1"]
    assert [s.part for s in spec.solids] == ["board", "chip[0]", "chip[1]"]
    assert spec.power == pytest.approx(2.0)
    assert spec.band == (0.004, 0.016)
    # m = rho U W h = 1.2 * 0.5 * 0.04 * 0.012; rise = P / (m cp)
    assert spec.mass_flow == pytest.approx(2.88e-4, rel=1e-12)
    assert spec.outlet_rise == pytest.approx(2.0 / (2.88e-4 * 1006.0), rel=1e-12)
    assert spec.solids[2].box == ((0.064, 0.012, 0.004), (0.080, 0.028, 0.008))


@pytest.mark.parametrize("override, key", [
    ("physics.buoyancy=true", "physics"),
    ("physics.turbulence='lvel'", "physics"),
    ("boundaries[0].region={min=[0.0,0.004],max=[0.02,0.016]}", "boundaries.inlet.region"),
])
def test_spec_refuses_what_the_writer_cannot_take(override, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.") + ".*accepted"):
        cht_peer.cht_spec(_case([override]))


def test_writer_refuses_faces_off_the_grid(tmp_path):
    spec = cht_peer.cht_spec(load_case(example_path("cht-channel"), ["domain.cells=[30,10,4]"]))
    with pytest.raises(ValueError, match="lies on no grid line"):
        cht_peer.openfoam_cht_case(tmp_path / "c", spec)


def test_writer_files(tmp_path):
    spec = cht_peer.cht_spec(_case())
    folder = cht_peer.openfoam_cht_case(tmp_path / "c", spec, 50)
    mesh = (folder / "system/blockMeshDict").read_text()
    # blocks stacked at the inlet band: 1 board layer + 3 air layers of 4 mm
    assert "(40 10 1)" in mesh and "(40 10 3)" in mesh
    assert "regions ( fluid (air) solid (board chip0 chip1) );" in \
        (folder / "constant/regionProperties").read_text()
    src = (folder / "constant/chip1/fvOptions").read_text()
    assert "h (1.0 0);" in src and "volumeMode      absolute;" in src
    assert not (folder / "constant/board/fvOptions").exists()
    air = (folder / "constant/air/thermophysicalProperties").read_text()
    assert "rho 1.2;" in air and "mu 1.8e-05;" in air
    assert f"Pr {1.8e-5 * 1006.0 / 0.026!r};" in air


def test_thermo_side_conserves_energy(tmp_path):
    """The thermo half of the comparison on the 4 mm grid: the energy balance of the
    run (every boundary term, the sources) within 1e-4, and the heat the air carries
    out, m cp (T_out - T_in), within 1e-3 of the power (the rest leaves by conduction
    back through the inlet, which the mixing-cup balance leaves out)."""
    spec = cht_peer.cht_spec(_case())
    r = cht_peer.thermo_cht(_case(), tmp_path / "t")
    print(f"energy imbalance {r['energy_imbalance']:.2e}, heat out {r['heat_out_w']:.6f} W "
          f"of {spec.power} W, outlet {r['outlet_c']:.4f} C vs {spec.inlet_c + spec.outlet_rise:.4f} C, "
          f"chips {r['solid_max_c']['chip[0]']:.2f} / {r['solid_max_c']['chip[1]']:.2f} C")
    assert r["converged"]
    assert r["energy_imbalance"] < 1e-4
    assert abs(r["heat_out_w"] / spec.power - 1) < 1e-3
    # the downstream chip sits in the upstream one's warm wake
    assert r["solid_max_c"]["chip[1]"] > r["solid_max_c"]["chip[0]"] > spec.inlet_c + spec.outlet_rise


@pytest.mark.skipif(openfoam_bashrc() is None, reason="OpenFOAM not installed")
def test_openfoam_accepts_the_case(tmp_path):
    spec = cht_peer.cht_spec(_case())
    folder = cht_peer.openfoam_cht_case(tmp_path / "c", spec, 5)
    env = cht_peer.foam_env(openfoam_bashrc(), folder)
    regions = ["air"] + [s.region for s in spec.solids]
    script = ("blockMesh && checkMesh && topoSet && splitMeshRegions -cellZones -overwrite && " +
              " && ".join(f"checkMesh -region {r}" for r in regions))
    out = subprocess.run(["bash", "-c", f'source "$FOAM_RC" >/dev/null 2>&1; cd "$FOAM_CASE" && {script}'],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert out.stdout.count("Mesh OK.") == 1 + len(regions)
    # each region holds thermo's cells for it: board 40 x 10 x 1, chips 4 x 4 x 1 (4 mm)
    cells = {r: int(pathlib.Path(folder / "constant" / r / "polyMesh" / "owner").read_text()
                    .split("nCells:")[1].split()[0]) for r in regions}
    assert cells == {"air": 40 * 10 * 3 - 2 * 16, "board": 400, "chip0": 16, "chip1": 16}
    cht_peer.write_fields(folder, spec)
    t = (folder / "0/air/T").read_text()
    assert "air_to_chip0 { type compressible::turbulentTemperatureCoupledBaffleMixed;" in t
    assert "inlet { type fixedValue; value uniform 293.15; }" in t


def test_writer_takes_the_momentum_scheme(tmp_path):
    spec = cht_peer.cht_spec(_case())
    folder = cht_peer.openfoam_cht_case(tmp_path / "c", spec, 5, energy="upwind", momentum="LUST")
    schemes = (folder / "system/air/fvSchemes").read_text()
    assert "div(phi,U) bounded Gauss LUST grad(U);" in schemes
    assert "div(phi,h) bounded Gauss upwind;" in schemes


def test_a_stalled_run_compares_its_cells_not_the_logs_faces():
    """A stalled OpenFOAM run is compared by its last iteration's cell values: the log's
    ``Min/max T`` of the board includes its interface with the hotter chip (seen: 92.30 C
    in the log where the board's hottest cell was 91.28 C)."""
    spec = cht_peer.cht_spec(_case())
    parts = [s.part for s in spec.solids]
    cells = {p: 80.0 + i for i, p in enumerate(parts)}
    foam = {"converged": False, "solid_max_c": cells, "solid_max_tail_c": {p: (99.0, 98.9, 99.1) for p in parts},
            "outlet_c": 26.9, "pressure_drop_pa": 0.3, "heat_out_w": 2.0}
    thermo = {"solid_max_c": {p: 80.0 for p in parts}, "outlet_c": 26.9, "pressure_drop_pa": 0.3, "heat_out_w": 2.0}
    rows = {r["quantity"]: r for r in cht_peer.compare_rows(spec, thermo, foam)}
    assert [rows[f"{p} max (C)"]["openfoam"] for p in parts] == [cells[p] for p in parts]
