"""``thermo check CASE --picture grid.png``: the grid lines over the parts on the three
mid-planes of the domain (matplotlib, off-screen)."""
from __future__ import annotations

import pathlib

import numpy as np

from thermo.case import Case
from thermo.meshes import shapes_of

AXES = "xyz"
MAX_LINES = 400  # per axis drawn; a finer axis shows every k-th line (the title says so)


def grid_picture(case: Case, path: str | pathlib.Path) -> pathlib.Path:
    """Draw the case's grid lines and its parts' boxes on the mid-planes normal to x,
    y and z; write a PNG at ``path`` (through a temporary file, so that a failure
    leaves no half-written picture). Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from thermo.io.result import atomic_path

    grid = case.grid
    boxes = [(p["name"], shape.bounds()) for p in case.data["parts"] for shape in shapes_of(p)]
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.5))
    for normal, ax in enumerate(axes):
        u, v = (a for a in range(3) if a != normal)
        mid = grid.origin[normal] + 0.5 * grid.size[normal]
        for along, draw in ((u, ax.axvline), (v, ax.axhline)):
            lines = grid.faces(along)
            step = max(1, int(np.ceil(len(lines) / MAX_LINES)))
            for x in lines[::step]:
                draw(x, color="0.6", lw=0.3)
        for name, (lo, hi) in boxes:
            if lo[normal] <= mid <= hi[normal]:
                ax.add_patch(Rectangle((lo[u], lo[v]), hi[u] - lo[u], hi[v] - lo[v], fill=False,
                                       ec="tab:red", lw=0.8))
        ax.set_xlim(grid.origin[u], grid.origin[u] + grid.size[u])
        ax.set_ylim(grid.origin[v], grid.origin[v] + grid.size[v])
        ax.set_aspect("equal")
        ax.set_xlabel(f"{AXES[u]} (m)")
        ax.set_ylabel(f"{AXES[v]} (m)")
        shown = [max(1, int(np.ceil((grid.cells[a] + 1) / MAX_LINES))) for a in (u, v)]
        every = "" if shown == [1, 1] else f" (every {shown[0]}th/{shown[1]}th line)"
        ax.set_title(f"{AXES[normal]} = {mid:.3g} m: {grid.cells[u]} x {grid.cells[v]} cells{every}",
                     fontsize=9)
    fig.suptitle(f"{case.name}: {grid.cells[0]} x {grid.cells[1]} x {grid.cells[2]} = "
                 f"{grid.ncells:,} cells; parts in red", fontsize=10)
    fig.tight_layout()
    path = pathlib.Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path
