"""Composites: one module per composite."""

from .shrinking import ShrinkingComposite

__all__ = ["ShrinkingComposite"]
