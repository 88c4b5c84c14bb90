"""The OpenFOAM peer of the conjugate channel (thermo/bench/cht_peer.py): the case it
writes from a thermo case, OpenFOAM's acceptance of it (skipped without OpenFOAM, as
in CI) and thermo's side of the comparison on a coarse grid."""
import pathlib
import subprocess

import numpy as np
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


def _server(extra=()):
    return load_case(example_path("cht-server"), list(extra))


def test_turbulent_spec_takes_the_inlets_turbulence():
    """cht-server (k-epsilon): the inlet's k and epsilon by the formulas thermo's
    k-epsilon holds its inlets to (k = 1.5 (I U)^2, epsilon = C_mu^3/4 k^3/2 / l),
    written out here: a check of the code, not of the physics."""
    spec = cht_peer.cht_spec(_server())
    assert spec.turbulence == "k-epsilon"
    assert spec.thermo_wall_law == "blended"  # the case's own; `thermo bench cht` sets OpenFOAM's
    assert cht_peer.cht_spec(_server(['physics.thermal_wall_law="switched"'])).thermo_wall_law == "switched"
    assert [s.part for s in spec.solids] == ["board", "block[0]", "block[1]"]
    k = 1.5 * (0.05 * 6.0) ** 2
    assert spec.k_in == pytest.approx(k, rel=1e-12)
    assert spec.epsilon_in == pytest.approx(0.09 ** 0.75 * k ** 1.5 / 0.004, rel=1e-12)
    # without a length scale: 0.07 times the inlet band's hydraulic diameter 2 a b / (a + b)
    case = _server()
    del case.data["boundaries"][0]["turbulence_length_scale"]
    spec = cht_peer.cht_spec(case)
    assert spec.epsilon_in == pytest.approx(0.09 ** 0.75 * k ** 1.5 / (0.07 * 2 * 0.08 * 0.04 / 0.12),
                                            rel=1e-12)


def test_turbulent_writer_files(tmp_path):
    """The k-epsilon case: OpenFOAM's kEpsilon with thermo's constants (Prt 0.85 where
    OpenFOAM would take 1), Spalding and Jayatilleke wall functions with thermo's
    kappa 0.41 and E = exp(0.41 x 5.2) = 8.43 (OpenFOAM's default 9.8) on every wall and
    interface of the air, upwind k and epsilon."""
    spec = cht_peer.cht_spec(_server(["domain.cells=[60,20,11]"]))
    folder = cht_peer.openfoam_cht_case(tmp_path / "c", spec, 5)
    props = (folder / "constant/air/turbulenceProperties").read_text()
    assert "RASModel kEpsilon;" in props and "Prt 0.85;" in props
    schemes = (folder / "system/air/fvSchemes").read_text()
    assert "div(phi,k) bounded Gauss upwind;" in schemes and "div(phi,epsilon) bounded Gauss upwind;" in schemes
    solution = (folder / "system/air/fvSolution").read_text()
    assert '"(k|epsilon)"' in solution and "k 0.7; epsilon 0.7;" in solution
    # the fields, on patches named as splitMeshRegions names them
    mesh = folder / "constant/air/polyMesh"
    mesh.mkdir(parents=True)
    (mesh / "boundary").write_text("FoamFile\n{\n}\n3\n(\ninlet\n{\n}\noutlet\n{\n}\nair_to_block0\n{\n}\n)\n")
    for s in spec.solids:
        (folder / f"constant/{s.region}/polyMesh").mkdir(parents=True)
        (folder / f"constant/{s.region}/polyMesh/boundary").write_text(
            f"FoamFile\n{{\n}}\n1\n(\n{s.region}_to_air\n{{\n}}\n)\n")
    cht_peer.write_fields(folder, spec)
    e = repr(float(np.exp(0.41 * 5.2)))
    nut = (folder / "0/air/nut").read_text()
    assert f"air_to_block0 {{ type nutUSpaldingWallFunction; kappa 0.41; E {e}; value uniform 0; }}" in nut
    alphat = (folder / "0/air/alphat").read_text()
    assert f"air_to_block0 {{ type compressible::alphatJayatillekeWallFunction; Prt 0.85; kappa 0.41; E {e};" \
        in alphat
    k = (folder / "0/air/k").read_text()
    assert f"inlet {{ type fixedValue; value uniform {spec.k_in!r}; }}" in k
    assert f"air_to_block0 {{ type kqRWallFunction; value uniform {spec.k_in!r}; }}" in k
    assert "epsilonWallFunction" in (folder / "0/air/epsilon").read_text()
    assert not (folder / "0/block0/k").exists()


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


def test_a_moving_thermo_run_is_compared_by_its_means():
    """A thermo run that settles by its averages (``solver.average_tolerance``) is compared
    by each solid's latter-half mean, not its last instant; one that settles by its
    residuals by its last instant."""
    parts = {"board": {"max_temperature_c": 80.0}, "block[0]": {"max_temperature_c": 76.0}}
    flow = {"outlet_temperature_c": 25.44, "pressure_drop_pa": 7.6, "mass_flow_kg_s": 0.02,
            "heat_removed_w": 10.0}
    base = {"steps": 900, "converged": True, "residuals": {}, "compile_time_s": 1.0, "parts": parts,
            "coolant_flow": flow, "energy_imbalance": 0.0}
    monitors = {"average_tolerance_k": 0.02, "run_means_c": {"board max": 79.5, "block[0] max": 75.8,
                                                              "fluid max": 60.0},
                "run_error_k": {"board max": 0.011, "block[0] max": 0.015}}
    averaged = cht_peer.thermo_numbers({**base, "monitors": monitors}, 10.0, None)
    assert averaged["averaged"] and averaged["solid_max_c"] == {"board": 79.5, "block[0]": 75.8}
    assert averaged["solid_error_k"] == {"board": 0.011, "block[0]": 0.015}
    plain = cht_peer.thermo_numbers({**base, "monitors": {**monitors, "average_tolerance_k": None}}, 10.0, None)
    assert not plain["averaged"] and plain["solid_max_c"] == {"board": 80.0, "block[0]": 76.0}
