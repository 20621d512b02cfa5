"""Composites: one module per composite."""

from .shrinking import BudgetNotReachedWarning, ShrinkingComposite

__all__ = ["ShrinkingComposite", "BudgetNotReachedWarning"]
