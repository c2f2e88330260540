"""Fault injection: latency, a rate of 5xx answers, and "accept, then time out"."""

import random
import threading

from oss.simulator.config import FaultConfig


class Faults:
    def __init__(self, config: FaultConfig):
        self._lock = threading.Lock()
        self.set(config)

    def set(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def draw(self, op: str) -> tuple[float, str | None]:
        """Latency in seconds and the fault for one request of operation ``op``.

        Faults: ``error_before`` (5xx, nothing processed), ``error_after``
        (processed, then 5xx) and ``timeout`` (processed, then the answer is
        held longer than any client waits).
        """
        with self._lock:
            cfg, rng = self.config, self._rng
            low, high = cfg.latency_ms
            latency = rng.uniform(low, high) / 1000 if high else 0.0
            if op not in cfg.ops:
                return latency, None
            roll = rng.random()
            if roll < cfg.error_rate:
                phase = cfg.error_phase
                if phase == "mixed":
                    phase = rng.choice(("before", "after"))
                return latency, f"error_{phase}"
            if roll < cfg.error_rate + cfg.timeout_rate:
                return latency, "timeout"
            return latency, None
