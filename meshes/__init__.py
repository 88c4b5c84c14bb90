"""Geometry to grid: the Grid (uniform, or graded by per-axis face coordinates with
`Grid.from_lines`), part shapes, their voxelisation into cell fields, and graded grid
lines snapped to every object."""
from .grid import Grid
from .lines import axis_lines, boundary_boxes, grid_lines, grid_quality, part_boxes
from .parts import shapes_of
from .shapes import Box, Cylinder, Shape, Surface, repeat
from .voxelize import box_mask, cell_mask, power_density, volume_fractions

__all__ = ["Grid", "Shape", "Box", "Cylinder", "Surface", "repeat", "shapes_of",
           "box_mask", "cell_mask", "volume_fractions", "power_density",
           "axis_lines", "grid_lines", "grid_quality", "part_boxes", "boundary_boxes"]
