"""Files of a run: result.vtkhdf and summary.json (result), checkpoints, reading a
result back (load: ``thermo.load``), pictures (view) and the Markdown report (report);
results on graded grids as a VTKHDF UnstructuredGrid of hexahedra (rectilinear: written
and read back; a uniform grid's result stays ImageData)."""
