"""Typer-free bodies of the hot commands: the typer command declares the parameters and calls its handler.

A handler has exactly the parameters of its typer command (fastgen checks it) and returns the same Result, so the
fast route (fast.py) can run it without importing click or typer. Nothing here may import click or typer.
"""
