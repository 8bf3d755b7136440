"""Facts layer: read criminal histories and translate them into clingo facts.

No legal judgement lives here; see ``programs/``.
"""
