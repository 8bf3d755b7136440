"""Driving clingo: which programs load, grounding and solving, decisions, catalogues, vocabulary."""
