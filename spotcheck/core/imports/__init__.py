"""Import engine (see docstring, written below)."""
