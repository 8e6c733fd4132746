"""Multi-objective machinery: exact Pareto fronts of tables, the run archive, indicators."""
