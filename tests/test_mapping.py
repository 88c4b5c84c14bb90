"""``thermo run --map-from DIR``: a run started from another run's fields interpolated
onto its grid (thermo/solver/mapping.py)."""
import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.cli import main
from thermo.io.result import read_result
from thermo.meshes import Grid
from thermo.runner import run_case
from thermo.solver import Simulation
from thermo.solver.mapping import (cell_points, interpolate, mapped_start, read_source,
                                   velocity_points)

from test_steady import duct_case


def linear(points):
    x, y, z = np.meshgrid(*points, indexing="ij")
    return 1.0 + 2.0 * x - 3.0 * y + 0.5 * z


def test_a_linear_field_maps_exactly_between_graded_grids_and_is_held_beyond_them():
    src = Grid.from_lines([0.0, 0.1, 0.25, 0.6, 1.0], [0.0, 0.3, 0.35, 0.5], [0.0, 0.2, 0.7])
    dst = Grid.from_lines(np.linspace(0.0, 1.0, 8), [0.0, 0.05, 0.2, 0.45, 0.5], [0.0, 0.1, 0.3, 0.7])
    for at in (cell_points, *(lambda g, c=c: velocity_points(g, c) for c in range(3))):
        s, d = at(src), at(dst)
        # only where the destination's points lie within the source's: beyond, held constant
        inside = [(p >= q[0]) & (p <= q[-1]) for p, q in zip(d, s)]
        got = interpolate(linear(s), s, d)
        err = np.abs(got - linear(d))[np.ix_(*inside)].max()
        assert err < 1e-12, err
    # beyond the source's last centre along x the value of that centre is kept
    s, d = cell_points(src), (np.array([0.0, 0.99]), np.array([0.3]), np.array([0.4]))
    got = interpolate(linear(s), s, d)
    edge = linear((np.array([s[0][0], s[0][-1]]), d[1], d[2]))
    assert np.allclose(got, edge, atol=1e-12)
    with pytest.raises(ValueError):
        interpolate(np.zeros((2, 2, 2)), s, d)


def duct(cells, turbulence="none", **solver) -> dict:
    """The steady duct of test_steady at a tenth of its speed and power (Re about 270: a
    steady flow past the block; the server heats the air by 41 K), implicit, converged
    to 1e-6."""
    d = duct_case()
    d["domain"]["cells"] = list(cells)
    d["physics"] = {"turbulence": turbulence}
    d["boundaries"][0]["velocity"] = [0.02, 0.0, 0.0]
    d["parts"][0].update(volume_flow=0.0004, power=20.0)
    d["solver"].update(scheme="implicit", steps_per_call=20, tolerance=1e-6,
                       checkpoint_every=1.0, **solver)
    return d


def test_a_checkpoint_mapped_onto_its_own_grid_gives_its_state_back(tmp_path):
    # k-epsilon: the leaves read are u, p, T and the turbulence fields, in State's order
    d = duct([12, 4, 4], "k-epsilon", max_steps=25)
    run_case(case_from_dict(d), tmp_path / "a", quiet=True)
    src = read_source(tmp_path / "a")
    assert src.path.name == "checkpoint.h5" and src.turb is not None
    sim = Simulation(case_from_dict(d))
    state = sim.initial_state(mapped_start(src, sim.grid, True))
    worst = max(float(np.abs(np.asarray(a) - b).max()) for a, b in
                zip((*state.u, state.p, state.T, *state.turb), (*src.u, src.p, src.T, *src.turb)))
    print(f"max |mapped - stored| over u, p, T, k, epsilon: {worst:.1e}")
    assert worst < 1e-12
    assert float(np.abs(src.T - d["fluid"]["initial_temperature"]).max()) > 0.1  # not the start
    assert float(np.abs(src.turb[0] - src.turb[0].mean()).max()) > 0.0


def test_a_finer_grid_started_from_a_coarser_answer_starts_near_it_and_ends_on_it(tmp_path):
    coarse = run_case(case_from_dict(duct([10, 4, 4])), tmp_path / "coarse", quiet=True)
    # the same answer again: converged at the first iteration
    again = run_case(case_from_dict(duct([10, 4, 4])), tmp_path / "again", quiet=True,
                     map_from=tmp_path / "coarse")
    assert again["converged"] and again["steps"] == 1
    # a result without its checkpoint: cell-centred U, p and T
    (tmp_path / "result").mkdir()
    (tmp_path / "coarse" / "result.vtkhdf").rename(tmp_path / "result" / "result.vtkhdf")
    fine = duct([20, 8, 8])
    fresh = run_case(case_from_dict(fine), tmp_path / "fresh", quiet=True)
    answer = read_result(tmp_path / "fresh" / "result.vtkhdf")["fields"]["T"]
    sim = Simulation(case_from_dict(fine))
    # mean |T - answer| over the cells (K): the parts' edges lie on both grids' faces
    rest = float(np.abs(np.asarray(sim.initial_state().T) - answer).mean())
    lines = [f"coarse {coarse['steps']} iterations, fine from rest {fresh['steps']}, start "
             f"{rest:.3f} K from the fine answer (mean over the cells)"]
    for name, folder in (("checkpoint", "coarse"), ("result", "result")):
        src = read_source(tmp_path / folder)
        start = sim.initial_state(mapped_start(src, sim.grid, False))
        near = float(np.abs(np.asarray(start.T) - answer).mean())
        mapped = run_case(case_from_dict(fine), tmp_path / name, quiet=True,
                          map_from=tmp_path / folder)
        dT = float(np.abs(read_result(tmp_path / name / "result.vtkhdf")["fields"]["T"]
                          - answer).max())
        lines.append(f"from the {name}: start {near:.3f} K from it, {mapped['steps']} "
                     f"iterations, ends {dT:.1e} K from it")
        assert mapped["converged"] and dT < 1e-3
        assert near < 0.25 * rest
        rec = mapped["initial_state"]
        assert rec["from"] == "mapped" and rec["cells"] == [10, 4, 4]
        assert rec["source"].endswith(".h5" if name == "checkpoint" else ".vtkhdf")
    print("; ".join(lines))
    assert fresh["converged"]


def test_map_from_is_refused_without_fields_with_resume_and_with_a_steady_start(tmp_path, capsys):
    case = case_from_dict(duct([8, 3, 3]))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CaseError) as err:
        run_case(case, tmp_path / "out", quiet=True, map_from=tmp_path / "empty")
    assert err.value.key == "--map-from" and "checkpoint.h5 or result.vtkhdf" in str(err.value)
    assert not (tmp_path / "out").exists()  # refused before anything was written
    with pytest.raises(CaseError) as err:
        run_case(case, tmp_path / "out", quiet=True, resume=True, map_from=tmp_path / "empty")
    assert err.value.key == "--map-from" and "not both" in str(err.value)
    d = duct([8, 3, 3])
    d["solver"] = {"mode": "transient", "end_time": 0.1, "initial": "steady"}
    with pytest.raises(CaseError) as err:
        run_case(case_from_dict(d), tmp_path / "out", quiet=True, map_from=tmp_path / "empty")
    assert err.value.key == "solver.initial"
    assert main(["run", "--example", "cavity2d", "-o", str(tmp_path / "cli"),
                 "--map-from", str(tmp_path / "empty")]) == 2
    assert "--map-from" in capsys.readouterr().err
