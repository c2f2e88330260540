"""Read the association's FAQ page (text export or HTML) into entries.

Text export: category headings start at the left margin (a heading may wrap
over several lines), questions are bullet lines (``  • …``), answers are the
lines indented below them; blank lines separate paragraphs, ``・`` lines are
list items and a bracketed line such as ``(代理人の方)`` is a sub-heading.

HTML: ``<h2>``/``<h3>`` headings followed by ``<dl><dt>question</dt><dd>answer</dd></dl>``
or by ``<details><summary>question</summary>answer</details>`` (the layout of
our own ``/faq`` page). The parser never loads a DTD, never expands entities,
never touches the network, and refuses oversized input.

Answers become our safe Markdown subset, with the page's own text escaped.
"""

import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from faq.services import EntryData

MAX_IMPORT_BYTES = 2 * 1024 * 1024
QUESTION_BULLETS = ("•", "●")
ANSWER_INDENT = 4
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~&])")
_LINE_START = re.compile(r"^(?:([-+=])|(\d+)(?=[.)](\s|$)))")
_SUBHEADING = re.compile(r"^[(（【■◆].{1,30}[)）】]?$")
_DECLARATIONS = re.compile(r"<!ENTITY|<!DOCTYPE[^>]*\[", re.IGNORECASE)
_HTML_PARSER = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                    huge_tree=False, default_doctype=False)


class ImportFormatError(Exception):
    """The file cannot be read as an FAQ page; the message says why (Japanese)."""


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would otherwise interpret."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    # A leading "-", "+", "=" or "1." could start a list, a rule or a heading underline.
    return _LINE_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\",
                           escaped)


def _line_markdown(line: str, after_blank: bool) -> str:
    if line.startswith("・"):
        return "- " + escape_markdown(line[1:].strip())
    if after_blank and _SUBHEADING.match(line) and line[-1] in ")）】":
        return "### " + escape_markdown(line)
    return escape_markdown(line)


def answer_markdown(lines: list[str]) -> str:
    """Turn an exported answer (lines, ``""`` for blank) into Markdown."""
    out: list[str] = []
    after_blank = True
    for line in lines:
        if not line:
            if out and out[-1] != "":
                out.append("")
            after_blank = True
            continue
        out.append(_line_markdown(line, after_blank))
        after_blank = out[-1].startswith("### ")
        if after_blank:
            out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def _join_heading(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        wide = ord(text[-1]) > 0x2E7F and ord(part[0]) > 0x2E7F
        text += part if wide else " " + part
    return text


def parse_text(text: str) -> list[EntryData]:
    """Parse the text export of the FAQ page."""
    entries: list[EntryData] = []
    block: list[str] = []  # the latest run of margin lines: a heading candidate
    category: str | None = None
    question: str | None = None
    answer: list[str] = []
    previous_was_heading = False

    def finish():
        if question is not None:
            entries.append(EntryData(category, question, answer_markdown(answer)))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped:
            if question is not None:
                answer.append("")
            previous_was_heading = False
        elif stripped.startswith(QUESTION_BULLETS) and indent < ANSWER_INDENT:
            finish()
            if block:
                category, block = _join_heading(block), []
            if category is None:
                raise ImportFormatError(f"{number}行目: カテゴリの見出しより前に質問があります。")
            question, answer = stripped[1:].strip(), []
            previous_was_heading = False
        elif indent >= ANSWER_INDENT and question is not None:
            answer.append(stripped)
        else:
            finish()
            question, answer = None, []
            block = [*block, stripped] if previous_was_heading else [stripped]
            previous_was_heading = True
    finish()
    return entries


# --- HTML --------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_BLOCKS = {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section"}


def _text(node) -> str:
    return _SPACES.sub(" ", node.text_content()).strip()


def _plain(text: str | None) -> str:
    return escape_markdown(_SPACES.sub(" ", text or ""))


def _inline_one(child) -> str:
    """Markdown for one inline element, without its tail."""
    tag = child.tag if isinstance(child.tag, str) else ""
    inner = _inline(child)
    if tag == "br":
        return "\n"
    if tag in ("strong", "b") and inner:
        return f"**{inner}**"
    if tag in ("em", "i") and inner:
        return f"*{inner}*"
    if tag == "a" and child.get("href", "").startswith(("http://", "https://")):
        return f"[{inner}]({child.get('href').replace(')', '%29')})"
    return inner


def _tidy(markdown: str) -> str:
    return "\n".join(line.strip() for line in markdown.split("\n")).strip()


def _inline(node) -> str:
    """Markdown for the inline content of ``node`` (text, <br>, <strong>, <em>, <a>)."""
    parts = [_plain(node.text)]
    for child in node:
        parts += [_inline_one(child), _plain(child.tail)]
    return _tidy("".join(parts))


def _block(child) -> list[str]:
    tag = child.tag
    if tag in ("ul", "ol"):
        marker = "-" if tag == "ul" else "1."
        return ["\n".join(f"{marker} {_inline(li)}" for li in child.iter("li"))]
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return ["### " + escape_markdown(_text(child))]
    if tag in ("div", "section", "blockquote"):
        return _blocks(child)
    return [_inline(child)]


def _blocks(node) -> list[str]:
    """Markdown blocks for the content of an answer element (``<summary>`` left out)."""
    blocks: list[str] = []
    loose = [_plain(node.text)]
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _BLOCKS:
            blocks.append(_tidy("".join(loose)))
            blocks.extend(_block(child))
            loose = []
        elif tag != "summary":
            loose.append(_inline_one(child))
        loose.append(_plain(child.tail))
    blocks.append(_tidy("".join(loose)))
    return [b for b in blocks if b]


def _walk(node, state: dict, entries: list[EntryData]) -> None:
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("h2", "h3"):
            state["category"] = _text(child)
        elif tag == "dt":
            state["question"] = _text(child)
        elif tag == "dd" and state.get("question"):
            _add(entries, state, state.pop("question"), child)
        elif tag == "details" and child.find("summary") is not None:
            _add(entries, state, _text(child.find("summary")), child)
        else:
            _walk(child, state, entries)


def _add(entries, state, question: str, answer_node) -> None:
    if not state.get("category"):
        raise ImportFormatError(f"カテゴリの見出しより前に質問があります: {question[:40]}")
    entries.append(EntryData(state["category"], question, "\n\n".join(_blocks(answer_node))))


def parse_html(text: str) -> list[EntryData]:
    """Parse an FAQ page in HTML (see the module docstring for the layout)."""
    if _DECLARATIONS.search(text):
        raise ImportFormatError("DTD やエンティティ宣言を含むファイルは読み込めません。")
    try:
        root = lxml_html.document_fromstring(text, parser=_HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ImportFormatError(f"HTML として読み込めません: {exc}") from None
    entries: list[EntryData] = []
    _walk(root, {}, entries)
    return entries


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFormatError("文字コードを判別できません(UTF-8 または Shift_JIS にしてください)。")


def read_file(path: Path) -> list[EntryData]:
    """Read an export file (text or HTML, by content) into entries."""
    with path.open("rb") as handle:
        data = handle.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFormatError(f"ファイルが大きすぎます(上限 {MAX_IMPORT_BYTES // 1024} KiB)。")
    text = _decode(data)
    looks_html = text.lstrip()[:1] == "<" or path.suffix.lower() in (".html", ".htm")
    entries = parse_html(text) if looks_html else parse_text(text)
    if not entries:
        raise ImportFormatError("質問と回答が見つかりません。ファイルの形式を確認してください。")
    return entries
