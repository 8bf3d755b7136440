"""The reviewers' workbench (``cmr-reason serve``): a local Flask app, its pages and runs."""
