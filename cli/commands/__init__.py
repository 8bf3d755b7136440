"""The ``cmr-reason`` commands, one module each; :mod:`cmr_reason.cli.app` registers them."""
