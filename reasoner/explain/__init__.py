"""Explaining decisions: the justification tree, its renderings, the rules doc, policy diffs."""
