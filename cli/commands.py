"""Import every command module so that it registers on the app."""

from cmr_reason.cli import synth_cmd  # noqa: F401
