"""Hatch build hook (build time only; left out of the wheel): puts us-atlas's map data into the
sdist and the wheel, taken from node_modules/us-atlas (installed by `npm ci`, pinned in package.json;
nothing of it is committed).

The sdist carries the files at the same place, so a wheel built from the sdist finds them; the wheel
carries them in open287g/atlas_data, where atlas.path looks after $OPEN287G_ATLAS_DIR. An editable
(dev) install gets nothing: it reads node_modules directly, so `uv sync` works before `npm ci`
(a static force-include would break that). A missing or wrongly versioned us-atlas fails the build."""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "node_modules/us-atlas"
TARGET = "open287g/atlas_data"


def _map_files() -> tuple[str, ...]:
    """atlas.FILES, read from atlas.py beside this file (the package itself is not importable here)."""
    atlas = os.path.join(os.path.dirname(os.path.abspath(__file__)), "atlas.py")
    spec = importlib.util.spec_from_file_location("_open287g_atlas", atlas)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.FILES)


class AtlasHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name not in ("sdist", "wheel") or version == "editable":
            return
        source = os.path.join(self.root, SOURCE)
        names = [*_map_files(), "LICENSE"]
        missing = [n for n in [*names, "package.json"] if not os.path.isfile(os.path.join(source, n))]
        if missing:
            raise FileNotFoundError(
                f"{source}/{missing[0]} is missing: the map data (npm package us-atlas) is copied into the "
                f"{self.target_name} from node_modules; run `npm ci` in {self.root} first"
            )
        self._check_version(source)
        for name in names:
            target = f"{TARGET}/{name}" if self.target_name == "wheel" else f"{SOURCE}/{name}"
            build_data["force_include"][os.path.join(source, name)] = target
        if self.target_name == "sdist":  # for the version check when the wheel is built from the sdist
            build_data["force_include"][os.path.join(source, "package.json")] = f"{SOURCE}/package.json"

    def _check_version(self, source: str) -> None:
        """node_modules/us-atlas is the version package.json pins (a stale node_modules would ship another map)."""
        pinned_file = os.path.join(self.root, "package.json")
        if not os.path.isfile(pinned_file):
            return
        with open(pinned_file, encoding="utf-8") as f:
            pinned = json.load(f).get("dependencies", {}).get("us-atlas")
        with open(os.path.join(source, "package.json"), encoding="utf-8") as f:
            installed = json.load(f).get("version")
        if pinned and installed != pinned:
            raise RuntimeError(
                f"{source} is us-atlas {installed} but package.json pins {pinned}; run `npm ci` in {self.root} first"
            )
