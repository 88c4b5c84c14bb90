"""The package version (one place: setup, results and checkpoints read it)."""
__version__ = "0.1.0"
