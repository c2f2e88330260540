"""``python -m oss.simulator``: the same as ``ossdesk oss-simulator``."""

from oss.simulator.server import main

main()
