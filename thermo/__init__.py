"""thermo: a JAX finite-volume solver for heat and airflow in data-centre racks."""
__version__ = "0.1.0"
