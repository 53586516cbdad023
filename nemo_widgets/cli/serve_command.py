"""`nemo-song serve`: run the embedded backend (the Nemo protocol) for this machine or a small team."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from pathlib import Path

from nemo_widgets.cli.errors import CommandError

STATIC_CREDITS = 1000


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("serve", help="serve the Nemo protocol on this machine",
                                 description="Serve the Nemo protocol (tokens, sessions, chat turns, credits, state) over HTTP.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--data-dir", type=Path, help="database and files (default: NEMO_DATA_DIR or the user data folder)")
    parser.add_argument("--workers", type=int, help="songs made at once (default: the number of cores)")
    parser.add_argument("--allow-private-urls", action="store_true",
                        help="let URL uploads reach private, loopback and link-local addresses (off by default)")
    parser.add_argument("--static-token", action="append", default=[], metavar="TOKEN",
                        help="a fixed token for a team member (repeatable; also NEMO_STATIC_TOKENS, comma-separated)")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started this one exits (used by notebooks)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nemo_widgets.backend.app import create_app
    from nemo_widgets.backend.data_dir import default_data_dir
    from nemo_widgets.backend.server import start_in_thread
    from nemo_widgets.backend.store import Store

    tokens = args.static_token + [t for t in os.environ.get("NEMO_STATIC_TOKENS", "").split(",") if t.strip()]
    if any(len(t.strip()) < 16 for t in tokens):
        raise CommandError("Static tokens must be at least 16 characters long.")
    data_dir = args.data_dir or default_data_dir()
    try:
        store = Store(data_dir)
    except OSError as error:
        raise CommandError(f"Cannot use the data folder {data_dir}: {error.strerror or error}.") from None
    for token in tokens:
        store.add_static_token(token.strip(), STATIC_CREDITS, time.time())
    try:
        app = create_app(store, data_dir, workers=args.workers, allow_private_urls=args.allow_private_urls)
        server = start_in_thread(app, host=args.host, port=args.port)
    except RuntimeError:
        raise CommandError(f"Cannot listen on {args.host}:{args.port}: is the port already in use?") from None
    print(f"Serving the Nemo protocol on {server.base_url} (data in {data_dir})", flush=True)
    parent = os.getppid()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.is_set() and server.thread.is_alive():
            stopping.wait(0.5)
            if args.exit_with_parent and os.getppid() != parent:
                break
    except KeyboardInterrupt:
        pass
    server.stop()
    store.close()
    return 0
