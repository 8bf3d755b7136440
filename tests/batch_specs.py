"""The spec a bulk run gives its batches, for tests that decide a batch by hand."""

from __future__ import annotations

import datetime as dt

from cmr_reason.facts.doj.stream import DojStream
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import absent_settings
from cmr_reason.reasoner.run.batch_worker import BatchSpec


def batch_spec(read: DojStream, as_of: dt.date, policy: str = "statute") -> BatchSpec:
    """The spec of a run over ``read`` (no county, no reviewers' decisions), as bulk.py makes it."""
    programs = load_program_set(policy)
    return BatchSpec(
        programs=programs,
        as_of=as_of,
        scope_county=None,
        files=read.files,
        catalogue=load_catalogue(programs),
        orphans=read.orphans,
        program=programs.bulk_program_without(absent_settings(None, "")),
    )
