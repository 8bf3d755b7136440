"""Small-cell suppression of the impact report: which counts are hidden, and its audit."""
