"""Explaining decisions: the justification tree, its renderings, the rules doc, policy diffs."""

# Before any compiled module of this package loads: its sources if the build is stale.
import cmr_reason.facts.compiled  # noqa: F401
