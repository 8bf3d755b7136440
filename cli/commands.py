"""Import every command module so that it registers on the app."""

from cmr_reason.cli import (  # noqa: F401
    check_cmd,
    explain_cmd,
    facts_cmd,
    file_cmd,
    policies_cmd,
    remedies_cmd,
    report_cmd,
    review_cmd,
    rules_cmd,
    run_cmd,
    summary_cmd,
    synth_cmd,
)
