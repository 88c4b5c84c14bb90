"""How XLA partitions the stencils' ghost layers and the Krylov dot products on a
split grid (4 forced CPU devices, a 1 x 2 x 2 mesh).

Traced under the device mesh (as thermo.solver.sharding traces the step), the
ghost layers and dots must compile to halo exchanges (collective-permutes) and
scalar all-reduces, with no all-gather of a field; the same functions traced
without the mesh are the control: XLA gathers there, which is what the mesh
form avoids. The answers equal one device's.
"""
import json
import os
import subprocess
import sys

SCRIPT = r"""
import json, re
import jax, jax.numpy as jnp, numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
jax.config.update("jax_enable_x64", True)
from thermo.kernels.stencils import along, halo_with_ghosts, shift
from thermo.kernels.sums import dot

shape = (16, 16, 16)
ghosts = [((-1.0, 0.0, 40.0), (-1.0, 0.0, 20.0)), ((1.0, 0.0, 0.0), (1.0, 0.0, 0.0)),
          ((-1.0, 0.0, 0.0), (-1.0, 0.0, 30.0))]
every, periodic = (True, True, True), (False, False, False)

def step(f):
    q = halo_with_ghosts(f, ghosts, -1, periodic, every, 2)
    out = 0.0
    for a in range(3):
        p = along(q, a, shape, every, 2)
        out = out + shift(p, a, 0, 16) - 2 * shift(p, a, 2, 16) + shift(p, a, 4, 16) \
            + 0.1 * shift(p, a, 1, 16) * shift(p, a, 3, 16)
    return out, dot(out, f)

mesh = Mesh(np.asarray(jax.devices()[:4]).reshape(1, 2, 2), ("x", "y", "z"))
sh = NamedSharding(mesh, P("x", "y", "z"))
f = np.random.default_rng(0).random(shape)
one = jax.jit(step)(jnp.asarray(f))

def under_mesh(f):
    with jax.sharding.use_abstract_mesh(mesh.abstract_mesh):
        return step(f)

out = {}
for name, fn in (("mesh", under_mesh), ("no mesh", step)):
    j = jax.jit(fn, in_shardings=sh, out_shardings=(sh, NamedSharding(mesh, P())))
    fs = jax.device_put(jnp.asarray(f), sh)
    text = j.lower(fs).compile().as_text()
    found = re.findall(r"= \S+ (all-gather|collective-permute|all-reduce)(?:-start)?\(", text)
    field, total = j(fs)
    out[name] = {"counts": {k: found.count(k) for k in set(found)},
                 "field_error": float(np.max(np.abs(np.asarray(field) - np.asarray(one[0])))
                                      / np.max(np.abs(np.asarray(one[0])))),
                 "dot_error": abs(float(total) - float(one[1])) / abs(float(one[1]))}
print("RESULT", json.dumps(out))
"""


def test_split_ghost_layers_and_dots_compile_to_halo_exchanges_not_gathers():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu")
    p = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-4000:]
    out = json.loads([x for x in p.stdout.splitlines() if x.startswith("RESULT ")][-1][7:])
    print(out)
    mesh, control = out["mesh"], out["no mesh"]
    assert mesh["counts"].get("all-gather", 0) == 0, mesh["counts"]
    assert mesh["counts"].get("collective-permute", 0) > 0  # the halo slabs move
    assert control["counts"].get("all-gather", 0) > 0, control["counts"]  # what is avoided
    for r in (mesh, control):
        assert r["field_error"] < 1e-14 and r["dot_error"] < 1e-13, r
