"""Simulator settings: command-line options, with environment variables as defaults."""

import argparse
import os
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from oss.xsd import SCHEMA_DIR

ROOT = Path(__file__).resolve().parents[2]


def _instance_dir() -> Path:
    return Path(os.environ.get("OSSDESK_INSTANCE", ROOT / "instance"))


@dataclass
class FaultConfig:
    """Faults injected into API answers (tests and chaos runs)."""

    latency_ms: tuple[int, int] = (0, 0)   # uniform delay before handling
    error_rate: float = 0.0                # share of requests answered 5xx
    error_phase: str = "before"            # before | after | mixed (after = processed, then 5xx)
    timeout_rate: float = 0.0              # share processed, then held past the client's timeout
    hang_seconds: float = 30.0
    ops: frozenset[str] = frozenset({"submit", "resubmit", "receipt_list", "status"})
    seed: int | None = None

    def to_json(self) -> dict:
        return {"latency_ms": list(self.latency_ms), "error_rate": self.error_rate,
                "error_phase": self.error_phase, "timeout_rate": self.timeout_rate,
                "hang_seconds": self.hang_seconds, "ops": sorted(self.ops), "seed": self.seed}

    @classmethod
    def from_json(cls, data: dict) -> "FaultConfig":
        base = cls()
        phase = data.get("error_phase", base.error_phase)
        if phase not in ("before", "after", "mixed"):
            raise ValueError("error_phase must be before, after or mixed")
        rates = [float(data.get(k, getattr(base, k))) for k in ("error_rate", "timeout_rate")]
        if any(not 0 <= r <= 1 for r in rates):
            raise ValueError("rates must lie between 0 and 1")
        low, high = data.get("latency_ms", base.latency_ms)
        return cls(latency_ms=(int(low), int(high)), error_rate=rates[0], error_phase=phase,
                   timeout_rate=rates[1],
                   hang_seconds=float(data.get("hang_seconds", base.hang_seconds)),
                   ops=frozenset(data.get("ops", base.ops)), seed=data.get("seed"))


@dataclass
class SimConfig:
    db_path: Path = field(default_factory=lambda: _instance_dir() / "oss-simulator.db")
    mode: str = "fast"                     # fast | realistic
    step_seconds: float = 1.0              # fast mode: length of one flow step
    paper_deadline: float | None = None    # seconds; default 15 days (realistic), 900 steps (fast)
    auto_pay: bool | None = None           # まとめ納付 done automatically; default on in fast mode
    schema_dir: Path = SCHEMA_DIR
    issuer_dir: Path = field(default_factory=lambda: _instance_dir() / "cert-issuers")
    faults: FaultConfig = field(default_factory=FaultConfig)

    @property
    def fast(self) -> bool:
        return self.mode == "fast"

    @property
    def auto_pay_on(self) -> bool:
        return self.fast if self.auto_pay is None else self.auto_pay


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, SimConfig]:
    env = os.environ
    p = argparse.ArgumentParser(prog="ossdesk oss-simulator",
                                description="OSS simulator (MLIT at /mlit, kei at /kei)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(env.get("OSS_PORT", "5001")))
    p.add_argument("--db", default=env.get("OSS_SIM_DB"), help="SQLite file of the simulator")
    p.add_argument("--mode", choices=("fast", "realistic"), default=env.get("OSS_SIM_MODE", "fast"))
    p.add_argument("--step", type=float, default=float(env.get("OSS_SIM_STEP", "1.0")),
                   help="fast mode: seconds per flow step")
    p.add_argument("--paper-deadline", type=float, default=None,
                   help="seconds until an application without documents is rejected")
    p.add_argument("--auto-pay", dest="auto_pay", action="store_true", default=None)
    p.add_argument("--no-auto-pay", dest="auto_pay", action="store_false")
    p.add_argument("--schemas", default=env.get("OSS_SIM_SCHEMAS"), help="published XSD folder")
    p.add_argument("--issuers", default=env.get("OSS_SIM_ISSUERS"),
                   help="trusted issuer folder (<type>/*.pem)")
    p.add_argument("--latency-ms", default="0", help="N or MIN-MAX")
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--error-phase", choices=("before", "after", "mixed"), default="before")
    p.add_argument("--timeout-rate", type=float, default=0.0)
    p.add_argument("--hang-seconds", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args(argv)
    low, _, high = args.latency_ms.partition("-")
    cfg = SimConfig(mode=args.mode, step_seconds=args.step, paper_deadline=args.paper_deadline,
                    auto_pay=args.auto_pay)
    if args.db:
        cfg.db_path = Path(args.db)
    if args.schemas:
        cfg.schema_dir = Path(args.schemas)
    if args.issuers:
        cfg.issuer_dir = Path(args.issuers)
    cfg.faults = FaultConfig.from_json({
        "latency_ms": (int(low), int(high or low)), "error_rate": args.error_rate,
        "error_phase": args.error_phase, "timeout_rate": args.timeout_rate,
        "hang_seconds": args.hang_seconds, "seed": args.seed})
    return args, cfg
