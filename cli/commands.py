"""Import every command module so that it registers on the app."""

from cmr_reason.cli import facts_cmd, summary_cmd  # noqa: F401
