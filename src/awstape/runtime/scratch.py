"""Folders for files the process hands to others (a config copy, a ``sitecustomize``), made
once and removed when the process ends, not around every test."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

__all__ = ["process_folder"]


def process_folder(prefix: str) -> Path:
    """A new temporary folder that lives as long as this process."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
