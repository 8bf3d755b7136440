"""The impact report of a finished run: one self-contained HTML file."""
