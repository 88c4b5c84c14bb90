"""`python -m thermo`: the same as the `thermo` command."""
from thermo.cli import main

raise SystemExit(main())
