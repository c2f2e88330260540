"""WSGI entry point for running the simulator under gunicorn (settings from the environment).

    OSS_SIM_DB=/path/sim.db gunicorn -k gthread -w 2 --threads 8 -b 127.0.0.1:5001 \\
        oss.simulator.wsgi:app

No environment variable sets faults (no options are read here), so faults are
off unless set by ``POST /_sim/faults``, which reaches one worker process only
(each keeps its own fault settings and clock offset). To test faults, run the
single-process ``ossdesk oss-simulator`` with its options.
"""

from oss.simulator.app import create_simulator
from oss.simulator.config import parse_args

app = create_simulator(parse_args([])[1])
