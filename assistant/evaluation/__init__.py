"""The evaluation harness (`assistant eval`): cases with their expectations, drafting metrics, benchmarks,
results.json, the baseline gate, report.md and charts."""
