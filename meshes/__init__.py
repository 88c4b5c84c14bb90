"""Geometry to grid: the Grid and voxelisation of shapes into cell fields."""
from .grid import Grid
from .voxelize import box_mask

__all__ = ["Grid", "box_mask"]
