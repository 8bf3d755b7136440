"""Synthetic DOJ bulk files for demos, tests and benchmarks (``cmr-reason synth``)."""
