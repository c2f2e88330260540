"""Run the simulator as its own HTTP process."""

import logging

from werkzeug.serving import make_server

from oss.simulator.app import create_simulator
from oss.simulator.config import SimConfig
from oss.simulator.config import parse_args


def serve(host: str, port: int, config: SimConfig | None = None) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, create_simulator(config), threaded=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    args, config = parse_args(argv)
    print(f"OSS simulator on http://{args.host}:{args.port}/ (mlit: /mlit, kei: /kei), "
          f"mode {config.mode}, database {config.db_path}", flush=True)
    serve(args.host, args.port, config)
