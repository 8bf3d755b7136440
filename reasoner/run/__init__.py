"""The bulk run and its output folder: batches, workers, rows, figures, re-opening a run."""
