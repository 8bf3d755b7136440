"""The ``cmr-reason`` command-line interface."""
