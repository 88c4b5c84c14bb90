"""Numerics on arrays: stencils, advection, Poisson and Krylov solvers (pure, jittable)."""
