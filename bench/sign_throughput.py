"""XML signatures per second against a bare RSA-2048 signing loop, in the same run.

    .venv/bin/python bench/sign_throughput.py [--seconds 3] [--rounds 3] [--cpu 0]

Both loops use the same RSA-2048 key, loaded once (as the portal caches opened
PKCS#12 keys). The XML loop signs a ~5 KB application document with Japanese
element names exactly as the portal does (enveloped XML-DSig, RSA-SHA256, C14N
1.0, signxml with the UTF-8 serialiser); the bare loop signs 32-byte messages with
PKCS#1 v1.5 / SHA-256. A third line adds building and XSD validation per document
(the full cost of preparing one submission). Target: XML ≥ 70 % of bare.
"""

import argparse
import os
import sys
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from forms.spec import FieldSpec  # noqa: E402
from forms.spec import ProcedureSpec  # noqa: E402
from forms.spec import SectionSpec  # noqa: E402
from oss import xml as oxml  # noqa: E402
from oss.keystore import SigningMaterial  # noqa: E402
from oss.signing import DocumentSigner  # noqa: E402

SECTIONS = ("自動車", "所有者", "使用者", "使用の本拠", "保管場所", "登録原因", "証明書類")


def bench_spec() -> tuple[ProcedureSpec, dict]:
    sections, payload = [], {}
    for s, title in enumerate(SECTIONS):
        fields = tuple(FieldSpec(f"項目{s}_{f}", f"項目{f}", required=f < 3, max_length=80)
                       for f in range(8))
        sections.append(SectionSpec(f"区分{s}", title, fields))
        payload[f"区分{s}"] = {f.key: f"東京都千代田区霞が関二丁目1番{s}{i}号" for i, f in
                             enumerate(fields)}
    spec = ProcedureSpec("iten", "移転登録", "mlit", tuple(sections), ("運輸支局",), True)
    return spec, payload


def material() -> SigningMaterial:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "代理人 太郎")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return SigningMaterial(key, cert)


def header(i: int) -> oxml.Header:
    agent = oxml.AgentInfo(1, "gyoseishoshi", "山田行政書士事務所", "12345678", "BULK0001")
    return oxml.Header(f"bench-{i:026d}", agent, date(2026, 11, 25), datetime.now(UTC))


def rate(fn, seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while True:
        fn(count)
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=None, help="pin to one core")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    spec, payload = bench_spec()
    mat = material()
    signer = DocumentSigner(mat)
    root = oxml.build_application(spec, payload, header(0))
    size = len(signer.sign(root))
    messages = [os.urandom(32) for _ in range(64)]

    def bare(i):
        mat.key.sign(messages[i % 64], padding.PKCS1v15(), hashes.SHA256())

    def xml_sign(i):
        signer.sign(root)

    def full(i):
        signer.sign(oxml.build_application(spec, payload, header(i)))

    best = {"bare": 0.0, "xml": 0.0, "full": 0.0}
    for _ in range(args.rounds):
        for name, fn in (("bare", bare), ("xml", xml_sign), ("full", full)):
            best[name] = max(best[name], rate(fn, args.seconds))
    print(f"document: {size} bytes signed, {sum(len(s.fields) for s in spec.sections)} fields")
    print(f"bare RSA-2048 sign:             {best['bare']:8.0f} /s")
    print(f"XML-DSig sign (cached key):     {best['xml']:8.0f} /s   "
          f"ratio {best['xml'] / best['bare']:.1%}  (target >= 70 %)")
    print(f"build + XSD + sign per document:{best['full']:8.0f} /s   "
          f"ratio {best['full'] / best['bare']:.1%}")


if __name__ == "__main__":
    main()
