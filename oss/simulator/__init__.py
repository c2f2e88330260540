"""The OSS simulator: a separate WSGI service with both back-ends mounted.

``/mlit`` answers as the MLIT OSS and ``/kei`` as the kei OSS. The foundation
ships the service skeleton and health checks; the protocol (submission,
status, receipt lists, 中断, fees) is documented in ``docs/oss-protocol.md``
as it is built.
"""

from oss.simulator.app import create_simulator

__all__ = ["create_simulator"]
