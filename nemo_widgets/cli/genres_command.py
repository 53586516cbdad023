"""`nemo-song genres`: the styles the engine knows, with their tempo ranges and band."""

from __future__ import annotations

import argparse

from nemo_widgets.engine.genres import PRESETS


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("genres", help="list the genre presets",
                                 description="List the genre presets a prompt can ask for.")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for preset in PRESETS.values():
        low, high = preset.tempo_range
        print(f"{preset.name:<7} {low}-{high} bpm (default {preset.default_bpm}), {preset.default_mode}, "
              f"groove {preset.groove}; say: {', '.join(preset.aliases)}")
    return 0
