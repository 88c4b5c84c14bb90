"""Files of a run: result.vtkhdf and summary.json (result), checkpoints, reading a
result back (load: ``thermo.load``), pictures (view) and the Markdown report (report)."""
