"""kitops-jupyter: pack, push, pull and load KitOps ModelKits from Jupyter, in pure Python."""

from __future__ import annotations

__version__ = "0.1.0"
