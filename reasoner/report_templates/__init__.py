"""Jinja2 templates and the stylesheet of the impact report."""
