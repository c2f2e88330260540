"""Fetch pinned third-party browser assets into static/vendor/ (never committed).

htmx comes from its npm package tarball, pinned by version and checked
against the registry's sha512 integrity and the file's sha256. No Node.js is
needed. The registry is npm's configured one (``npm_config_registry``), else
npm's default.
"""

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

ASSETS = [
    {
        "package": "htmx.org",
        "version": "2.0.11",
        "integrity": "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        "member": "package/dist/htmx.min.js",
        "target": "htmx.min.js",
        "sha256": "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    },
]


def _registry() -> str:
    return (os.environ.get("npm_config_registry") or "https://registry.npmjs.org/").rstrip("/")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(asset: dict) -> None:
    target = VENDOR / asset["target"]
    if target.exists() and _sha256(target.read_bytes()) == asset["sha256"]:
        return
    name, version = asset["package"], asset["version"]
    url = f"{_registry()}/{name}/-/{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (fixed https URL)
        tarball = resp.read()
    algo, _, expected = asset["integrity"].partition("-")
    digest = base64.b64encode(hashlib.new(algo, tarball).digest()).decode()
    if digest != expected:
        sys.exit(f"{name}@{version}: tarball integrity mismatch, refusing to install")
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        data = tar.extractfile(asset["member"]).read()
    if _sha256(data) != asset["sha256"]:
        sys.exit(f"{name}@{version}: {asset['member']} sha256 mismatch, refusing to install")
    VENDOR.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    print(f"installed {name}@{version} -> {target.relative_to(ROOT)}")


if __name__ == "__main__":
    for item in ASSETS:
        fetch(item)
