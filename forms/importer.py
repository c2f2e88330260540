"""Bulk import: templates per procedure, reading uploads, checking every row.

Pure functions, no database: ``portal.applications.imports`` stores the
outcome. An upload is judged by its bytes, never its name: an .xlsx is a ZIP
that openpyxl can open; anything else must be CSV text in UTF-8 (with or
without BOM) or Shift_JIS/CP932. Each data row becomes a payload and goes
through ``forms.checks`` exactly like a form (attachments are added later in
the browser, so rules do not ask for them yet).
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

from forms import checks
from forms import jis
from forms.spec import FieldSpec
from forms.spec import ProcedureSpec
from forms.spec import SectionSpec
from forms.validators import JisX0208

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_UNZIPPED = 200 * 1024 * 1024  # an .xlsx that inflates beyond this is refused
SHEET_NAME = "申請データ"
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "off", "いいえ", "×", "無", "なし"})
ERA_START = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}
_DATE_RE = re.compile(r"(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?")
_ERA_RE = re.compile(r"(令和|平成|R|H)\s*(\d{1,2}|元)[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    section: SectionSpec
    spec: FieldSpec

    @property
    def header(self) -> str:
        return f"{self.section.title}:{self.spec.label}"

    @property
    def dotted(self) -> str:
        return f"{self.section.key}.{self.spec.key}"


@dataclass
class RowResult:
    number: int                      # the row number in the spreadsheet (header = 1)
    payload: dict
    problems: list[tuple[str, str]]  # (column header or "", message)


@dataclass
class TableResult:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def valid(self) -> list[RowResult]:
        return [r for r in self.rows if not r.problems]

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if r.problems]


def columns(spec: ProcedureSpec) -> list[Column]:
    return [Column(sec, fs) for sec, fs in spec.iter_fields() if fs.importable]


# --- reading --------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp932`` (Shift_JIS with Windows extensions)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp932")
        return "cp932"
    except UnicodeDecodeError:
        raise ImportFileError(
            "文字コードを判別できません。UTF-8 または Shift_JIS(CP932)のCSVで保存してください。"
        ) from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise ImportFileError("Excelファイルの展開後のサイズが大きすぎます。")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError("Excelファイル(.xlsx)として読み込めません。") from None
    try:
        sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):  # the sheet's XML is parsed here
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except Exception:
        raise ImportFileError("Excelファイル(.xlsx)として読み込めません。") from None
    finally:
        book.close()


_NOT_TABLES = ((b"%PDF", "PDFファイル"), (b"\xd0\xcf\x11\xe0", "旧形式のExcel(.xls)"),
               (b"\xff\xd8\xff", "画像ファイル"), (b"\x89PNG", "画像ファイル"))


def _read_utf16(data: bytes) -> list[list[str]]:
    """A UTF-16 file with its byte-order mark: tab-separated as Excel saves 「Unicode テキスト」,
    or comma-separated."""
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise ImportFileError("UTF-16のファイルとして読めません。"
                              "CSV(UTF-8)で保存し直してください。") from exc
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def read_table(data: bytes) -> list[list[str]]:
    """Rows of cells from an .xlsx or CSV upload (decided by content)."""
    if not data.strip():
        raise ImportFileError("ファイルが空です。")
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"ファイルが大きすぎます(上限{MAX_BYTES // 1024 // 1024}MB)。")
    for magic, kind in _NOT_TABLES:
        if data.startswith(magic):
            hint = ".xlsx 形式で保存し直してください。" if "xls" in kind else ""
            raise ImportFileError(f"{kind}は取り込めません。.xlsx か CSV を使ってください。{hint}")
    if data.startswith(b"PK\x03\x04"):
        rows = _read_xlsx(data)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: Excel's 「Unicode テキスト」
        rows = _read_utf16(data)
    else:
        if b"\x00" in data[:4096]:
            raise ImportFileError("CSVとして読めません(バイナリファイルです)。")
        text = data.decode(detect_encoding(data))
        rows = list(csv.reader(io.StringIO(text, newline="")))
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(f"行数が多すぎます(1ファイル{MAX_ROWS:,}行まで)。分けて取り込んでください。")
    return rows


# --- rows -> payloads -------------------------------------------------------------------------


def map_headers(spec: ProcedureSpec, header: list[str]) -> list[Column | None]:
    """The column of each header cell (None for blank ones); refuse unknown headers."""
    known: dict[str, Column] = {}
    for col in columns(spec):
        known[col.header] = col
        known[col.dotted] = col
    mapped, unknown = [], []
    for cell in header:
        name = cell.strip()
        if not name:
            mapped.append(None)
        elif name in known:
            mapped.append(known[name])
        else:
            mapped.append(None)
            unknown.append(name)
    if unknown:
        raise ImportFileError(
            f"{spec.name}のテンプレートにない列があります: {'、'.join(unknown[:5])}。"
            "手続が違うか、見出し行が変更されています。テンプレートの見出しのまま使ってください。"
        )
    present = {c.dotted for c in mapped if c is not None}
    missing = [c.header for c in columns(spec) if c.spec.required and c.dotted not in present
               and c.spec.unless is None]
    if missing:
        raise ImportFileError(f"必須の列がありません: {'、'.join(missing[:5])}。")
    return mapped


def to_iso_date(value: str) -> str:
    """2026/4/1, 2026年4月1日, 令和8年4月1日, R8.4.1 … as 2026-04-01 (else unchanged)."""
    m = _DATE_RE.fullmatch(value)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        return f"{y:04d}-{mo:02d}-{d:02d}"
    m = _ERA_RE.fullmatch(value)
    if m:
        era, y, mo, d = m.groups()
        year = ERA_START[era] + (1 if y == "元" else int(y))
        return f"{year:04d}-{int(mo):02d}-{int(d):02d}"
    return value


def convert(col: Column, raw: str, *, full_width: bool) -> tuple[object, str | None]:
    """A cell as a payload value, or a message when it cannot be one."""
    fs = col.spec
    value = raw.strip()
    if fs.type == "bool":
        lowered = value.lower()
        if lowered in checks.TRUE_WORDS:
            return True, None
        if lowered in FALSE_WORDS:
            return False, None
        return False, f"「{value}」は はい/いいえ(1/0)で入力してください。"
    if fs.type == "select" and value:
        by_label = {label: code for code, label in fs.choices}
        return by_label.get(value, value), None
    if fs.type == "date" and value:
        return to_iso_date(value), None
    if any(isinstance(v, JisX0208) for v in fs.validators):
        value = jis.to_full_width(value) if full_width else jis.normalise(value)
    return value, None


def check_rows(spec: ProcedureSpec, table: list[list[str]], *, kei_manager_name: str | None,
               full_width: bool = False,
               progress: Callable[[int, int], None] | None = None) -> TableResult:
    """Convert and check every data row; blank rows are skipped."""
    if not table:
        raise ImportFileError("見出し行がありません。テンプレートを使ってください。")
    mapped = map_headers(spec, table[0])
    headers = {(c.section.key, c.spec.key): c.header for c in mapped if c is not None}
    result = TableResult()
    total = len(table) - 1
    for index, cells in enumerate(table[1:], start=2):
        if progress is not None and index % 500 == 0:
            progress(index - 1, total)
        if not any(c.strip() for c in cells):
            continue
        payload: dict = {}
        problems: list[tuple[str, str]] = []
        for col, raw in zip(mapped, cells, strict=False):
            if col is None:
                continue
            value, problem = convert(col, raw, full_width=full_width)
            payload.setdefault(col.section.key, {})[col.spec.key] = value
            if problem:
                problems.append((col.header, problem))
        subject = checks.Subject(spec, payload, kei_manager_name=kei_manager_name,
                                 attachments_pending=True)
        for issue in checks.check(subject):
            problems.append((headers.get((issue.section, issue.field), ""), issue.message))
        result.rows.append(RowResult(index, payload, problems))
    if not result.rows:
        raise ImportFileError("取り込むデータ行がありません。")
    return result
