"""thermo: a JAX finite-volume solver for heat and airflow in data-centre racks."""
from thermo.version import __version__

__all__ = ["__version__", "load", "Result"]


def __getattr__(name: str):
    # Lazy, so that `import thermo` stays cheap (no h5py, jax or pyvista).
    if name in ("load", "Result"):
        from thermo.io.load import Result, load

        globals().update(load=load, Result=Result)
        return globals()[name]
    raise AttributeError(f"module 'thermo' has no attribute {name!r}")
