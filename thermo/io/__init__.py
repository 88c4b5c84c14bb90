"""Files of a run: result.vtkhdf and summary.json (result), checkpoints, reading a
result back (load: ``thermo.load``), pictures (view) and the Markdown report (report);
results on graded grids as a VTKHDF UnstructuredGrid of hexahedra (rectilinear: written
and read back, not yet used by the solver, which runs on uniform grids)."""
