"""Driving clingo: which programs load, grounding and solving, decisions, catalogues, vocabulary."""

# Before any compiled module of this package loads: its sources if the build is stale.
import cmr_reason.facts.compiled  # noqa: F401
