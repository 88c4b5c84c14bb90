"""Geometry to grid: the Grid, part shapes, and their voxelisation into cell fields."""
from .grid import Grid
from .parts import shapes_of
from .shapes import Box, Cylinder, Shape, Surface, repeat
from .voxelize import box_mask, cell_mask, power_density, volume_fractions

__all__ = ["Grid", "Shape", "Box", "Cylinder", "Surface", "repeat", "shapes_of",
           "box_mask", "cell_mask", "volume_fractions", "power_density"]
