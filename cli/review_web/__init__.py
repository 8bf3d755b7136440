"""Templates and static files (CSS, JS) of the reviewers' workbench; no Python code."""
