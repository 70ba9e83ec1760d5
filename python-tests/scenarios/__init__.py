"""Differential scenarios, one module per area; see ../differential.py."""
