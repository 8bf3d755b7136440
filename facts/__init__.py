"""Facts layer: read criminal histories and translate them into clingo facts.

No legal judgement lives here; see ``programs/``.
"""

# Before any compiled module of this package loads: its sources if the build is stale.
import cmr_reason.facts.compiled  # noqa: F401
