"""WSGI entry point for running the simulator under gunicorn (settings from the environment).

    OSS_SIM_DB=/path/sim.db gunicorn -k gthread -w 2 --threads 8 -b 127.0.0.1:5001 \\
        oss.simulator.wsgi:app

Each worker process keeps its own fault settings and clock offset, so with
several workers set faults by environment or options, not ``POST /_sim/faults``.
"""

from oss.simulator.app import create_simulator
from oss.simulator.config import parse_args

app = create_simulator(parse_args([])[1])
