"""`nemo-song serve`: run the embedded backend (the Nemo protocol) for this machine or a small team."""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading
import time
from pathlib import Path

from nemo_widgets.backend.token_policy import TOKENS_PER_ADDRESS_HOUR
from nemo_widgets.cli.errors import CommandError

STATIC_CREDITS = 1000


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("serve", help="serve the Nemo protocol on this machine",
                                 description="Serve the Nemo protocol (tokens, sessions, chat turns, credits, state) over HTTP.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; any other lets other machines in: a warning says so)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--data-dir", type=Path, help="database and files (default: NEMO_DATA_DIR or the user data folder)")
    parser.add_argument("--workers", type=int, help="songs made at once (default: the number of cores)")
    parser.add_argument("--allow-private-urls", action="store_true",
                        help="let URL uploads reach private, loopback and link-local addresses (off by default)")
    parser.add_argument("--static-token", action="append", default=[], metavar="TOKEN",
                        help="a fixed token for a team member (repeatable; also NEMO_STATIC_TOKENS, comma-separated)")
    parser.add_argument("--anonymous-tokens-per-hour", type=int, default=TOKENS_PER_ADDRESS_HOUR, metavar="N",
                        help=f"anonymous tokens per hour for each caller address other than this machine "
                             f"(default {TOKENS_PER_ADDRESS_HOUR}; this machine is not limited by address)")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started this one exits (used by notebooks)")
    parser.set_defaults(run=run)


def is_loopback_host(host: str) -> bool:
    """Whether listening on `host` keeps the server to this machine."""
    if host.strip().lower().removesuffix(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from nemo_widgets.backend.app import create_app
    from nemo_widgets.backend.data_dir import default_data_dir
    from nemo_widgets.backend.middleware import allowed_host_names
    from nemo_widgets.backend.server import start_in_thread
    from nemo_widgets.backend.store import Store

    tokens = args.static_token + [t for t in os.environ.get("NEMO_STATIC_TOKENS", "").split(",") if t.strip()]
    if any(len(t.strip()) < 16 for t in tokens):
        raise CommandError("Static tokens must be at least 16 characters long.")
    if args.anonymous_tokens_per_hour < 0:
        raise CommandError("--anonymous-tokens-per-hour cannot be negative.")
    if not is_loopback_host(args.host):
        print(f"nemo-song: warning: listening on {args.host} lets other machines reach this server; anyone who can "
              "reach it can get an anonymous token and make songs. Keep it on 127.0.0.1 unless that is what you want.",
              file=sys.stderr, flush=True)
    os.umask(0o077)  # every file and folder the server writes (database, media, renders) is this user's only
    data_dir = args.data_dir or default_data_dir()
    try:
        store = Store(data_dir)
    except OSError as error:
        raise CommandError(f"Cannot use the data folder {data_dir}: {error.strerror or error}.") from None
    for token in tokens:
        store.add_static_token(token.strip(), STATIC_CREDITS, time.time())
    try:
        app = create_app(store, data_dir, workers=args.workers, allow_private_urls=args.allow_private_urls,
                         allowed_hosts=allowed_host_names(args.host),
                         tokens_per_address_hour=args.anonymous_tokens_per_hour)
        server = start_in_thread(app, host=args.host, port=args.port)
    except RuntimeError:
        store.close()
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
    _exit_now_if_workers_remain()
    return 0


def _exit_now_if_workers_remain(grace: float = 1.0) -> None:
    """Give worker threads `grace` seconds to finish stopping (a cancelled render kills its ffmpeg), then leave at
    once if some remain: a thread inside a song cannot be interrupted, and Python would wait for it at exit (minutes).
    Daemon threads count too: the job pools' workers inherit the daemon flag of the server thread that started them,
    yet `concurrent.futures` joins them at exit all the same. The store is closed by now, and what such a thread
    leaves (a staging folder) is removed at the next start."""
    deadline = time.monotonic() + grace
    workers = [t for t in threading.enumerate() if t is not threading.current_thread()]
    for thread in workers:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in workers):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
