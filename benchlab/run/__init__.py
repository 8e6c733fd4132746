"""Simulated runs: one benchmark, one strategy, one seed, one budget."""
