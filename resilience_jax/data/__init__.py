"""Data layer: read files, load specs, validate panels."""

from .io import read_table
from .spec import StudySpec, IndexSpec, load_index, load_spec
from .validate import Panel, load_panel, validate_panel

__all__ = ["read_table", "StudySpec", "IndexSpec", "load_index", "load_spec", "Panel", "load_panel", "validate_panel"]
