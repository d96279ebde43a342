"""Numba kernels: module-level compiled functions of arrays and scalars, nothing else."""
