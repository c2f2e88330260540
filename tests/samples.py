"""Sample documents and payloads shared by tests."""

POA_TEMPLATE = """<?xml version="1.0" encoding="{encoding}"?>
<電子委任状 xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <委任者><氏名>{name}</氏名><住所>{address}</住所></委任者>
  <受任者><氏名>山田行政書士事務所</氏名></受任者>
  <委任事項>自動車の登録に関する申請手続一切</委任事項>
  <ds:Signature><ds:SignedInfo/><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>
</電子委任状>
"""


def poa_xml(address: str = "東京都千代田区霞が関二丁目１番３号", *, name: str = "山田　太郎",
            encoding: str = "UTF-8") -> bytes:
    """An electronic power of attorney in the shape ``forms.poa`` accepts."""
    text = POA_TEMPLATE.format(encoding=encoding, name=name, address=address)
    return text.encode("shift_jis" if encoding.lower() in ("shift_jis", "sjis") else "utf-8")


def example_payload(spec) -> dict:
    """The spec's example payload (a fresh copy, safe to modify)."""
    return {k: dict(v) for k, v in spec.example_payload().items()}


def form_data(spec, payload: dict | None = None, **extra) -> dict:
    """A browser-style POST body for ``spec``'s generated form (checkboxes as "y")."""
    payload = payload if payload is not None else example_payload(spec)
    data = {}
    for sec, fs in spec.iter_fields():
        value = (payload.get(sec.key) or {}).get(fs.key)
        if fs.type == "file" or value is None:
            continue
        if fs.type == "bool":
            if value:
                data[f"{sec.key}__{fs.key}"] = "y"
        else:
            data[f"{sec.key}__{fs.key}"] = value
    data.update(extra)
    return data


def import_rows(spec, payloads: list[dict]) -> list[list[str]]:
    """A table (header + one row per payload) in the import template's layout."""
    from forms.import_templates import table

    return table(spec, payloads)


def csv_bytes(table: list[list[str]], encoding: str = "utf-8") -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return out.getvalue().encode(encoding)


def xlsx_bytes(table: list[list[str]]) -> bytes:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("申請データ")
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()
