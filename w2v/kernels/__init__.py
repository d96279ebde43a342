"""Numba kernels: module-level compiled functions of contiguous arrays and scalars, nothing else."""
