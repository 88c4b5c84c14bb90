import sys

from thermo.bench import main

sys.exit(main())
