"""Analysis of experiment result files: statistics, anytime curves, ranks, figures and the report.

It reads only what the harness wrote (manifest.json and the runs' Parquet files) and never
runs a search; `benchlab validate` is the one entry point that drives the harness first.
"""
