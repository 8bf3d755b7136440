"""The bulk run and its output folder: batches, workers, rows, figures, re-opening a run."""

# Before any compiled module of this package loads: its sources if the build is stale.
import cmr_reason.facts.compiled  # noqa: F401
