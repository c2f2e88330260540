"""Run the simulator as its own HTTP process."""

import argparse
import os

from werkzeug.serving import run_simple

from oss.simulator.app import create_simulator


def serve(host: str, port: int) -> None:
    run_simple(host, port, create_simulator(), threaded=True, use_reloader=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ossdesk oss-simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("OSS_PORT", "5001")))
    args = parser.parse_args(argv)
    serve(args.host, args.port)
