"""Composites: one module per composite."""

from .iterated import IteratedShrinkingComposite
from .shrinking import BudgetNotReachedWarning, ShrinkingComposite

__all__ = ["ShrinkingComposite", "IteratedShrinkingComposite", "BudgetNotReachedWarning"]
