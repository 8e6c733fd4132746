"""A drop-in for the official NAS-Bench-101 `nasbench` package, without TensorFlow.

Replace `from nasbench import api` with `from benchlab.compat.nasbench import api`.
"""
