"""What every scenario is handed: a scratch directory and the sizes to use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.sizes import Sizes


@dataclass
class Bench:
    workdir: Path
    sizes: Sizes
    profile_dir: Path | None = None  # set by the profile scenario: record py-spy there
