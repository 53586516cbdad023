"""`nemo-song credits`: the credits of the accounts in a local data folder, and more of them when they run out.

Songs made on this machine cost only CPU time, so the owner of the data folder decides how many credits its
accounts (the notebook's anonymous one, team tokens) have. It works while the backend runs: SQLite's transactions
keep both writers correct.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nemo_widgets.backend.data_dir import default_data_dir
from nemo_widgets.cli.errors import CommandError

MAX_GRANT = 1_000_000


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "credits", help="show or add credits of the local backend's accounts",
        description="Show the credits of the accounts in a local data folder, or add credits to them.")
    parser.add_argument("--data-dir", type=Path, help="the backend's data folder (default: NEMO_DATA_DIR or the user "
                                                      "data folder, as `nemo-song serve` uses)")
    parser.add_argument("--add", type=int, metavar="N", help=f"add N credits (1-{MAX_GRANT:,})")
    parser.add_argument("--user", metavar="ID", help="only this account (default: every account)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nemo_widgets.backend.store import DATABASE, Store

    folder = (args.data_dir or default_data_dir()).expanduser()
    if not (folder / DATABASE).is_file():
        raise CommandError(f"{folder} has no backend data yet: make a song first, or name the folder with --data-dir.")
    if args.add is not None and not 1 <= args.add <= MAX_GRANT:
        raise CommandError(f"--add takes a number of credits from 1 to {MAX_GRANT:,}, not {args.add}.")
    store = Store(folder)
    try:
        if args.add is not None:
            if store.grant(args.add, args.user) == 0:
                raise CommandError(f"There is no account {args.user!r} in {folder}.")
            print(f"Added {args.add} credits to {args.user or 'every account'}.")
        balances = [(user, credits) for user, credits in store.balances() if args.user in (None, user.id)]
    finally:
        store.close()
    print(f"{'account':<24} {'kind':<10} {'available':>9} {'used':>6}")
    for user, credits in balances:
        print(f"{user.id:<24} {user.kind:<10} {credits.available:>9} {credits.total_consumed:>6}")
    return 0
