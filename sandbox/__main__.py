"""Run the sandbox alone: ``python -m sandbox [serve|seed] [options]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from flask import Flask
from werkzeug.serving import make_server

from sandbox import demo
from sandbox.app import API_PREFIX, REPO_ROOT, create_sandbox_app, seed_database
from sandbox.server import QuietRequestHandler

DEFAULT_DB = os.environ.get(
    "SANDBOX_DATABASE", str(REPO_ROOT / "instance" / "sandbox.sqlite3")
)


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="A local Customer Profile API for developing against.",
    )
    parser.add_argument(
        "command", nargs="?", default="serve", choices=("serve", "seed")
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5050)
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLite file path")
    parser.add_argument("--campaigns", help="folder of campaign JSON files")
    parser.add_argument(
        "--reset", action="store_true", help="with seed: drop everything first"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve the sandbox, or seed its database, as the arguments say."""
    args = build_parser().parse_args(argv)
    config = {"SANDBOX_DATABASE": args.db, "SANDBOX_SEED": args.command == "serve"}
    if args.campaigns:
        config["CAMPAIGNS_DIR"] = args.campaigns
    app = create_sandbox_app(config)

    if args.command == "seed":
        return seed(app, args.reset)

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=QuietRequestHandler
    )
    print(f"Sandbox API:  http://{args.host}:{server.port}{API_PREFIX}")
    print(f"Demo login:   {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}")
    print(f"Demo API key: {demo.DEMO_API_KEY}")
    print(f"Database:     {args.db}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

    return 0


def seed(app: Flask, reset: bool) -> int:
    """Seed the database named by the app's configuration."""
    seeded = seed_database(app.extensions["sandbox"], reset)
    print("Seeded." if seeded else "Already seeded; use --reset to start over.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
