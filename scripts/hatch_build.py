"""Wheel build hook: the studio's front end is bundled into the package, so users never need Node."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class StudioBundle(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        if (root / "nemo_widgets" / "widget" / "static" / "studio.js").is_file():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("The studio's front end is not built and npm was not found: run `make bundle` "
                               "(it installs Node from PyPI) or install Node.js, then build again.")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root / "js", check=True)
        subprocess.run([npm, "run", "build"], cwd=root / "js", check=True)
