"""Japanese-aware text folding, query parsing, highlighting and snippets.

Search compares *folded* text: NFKC (full-/half-width, compatibility forms),
katakana → hiragana, then casefold. The database stores a folded copy of each
document; the original is kept for display. Highlighting maps matches found in
the folded text back onto the original characters, escapes every piece and
only then adds ``<mark>``.
"""

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

KATA2HIRA = str.maketrans({c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)})
_SPACE = re.compile(r"\s+")
WIDE_FROM = "\u2e80"
_WIDE_SPACE = re.compile("(?<=[\u2e80-\U0010ffff]) | (?=[\u2e80-\U0010ffff])")
# Opening quote -> closing quote accepted around a phrase (after NFKC).
_QUOTES = {'"': '"', "「": "」", "『": "』", "“": "”"}
MAX_QUERY_CHARS = 100
MAX_TERMS = 8
SHORT_TERM = 3  # shorter terms are looked up as one gram, not as trigrams or pairs


def _wide(ch: str) -> bool:
    """Kana, kanji and CJK punctuation: Japanese text does not separate these by spaces."""
    return ch >= WIDE_FROM


def fold(text: str) -> str:
    """Fold ``text`` for comparison.

    Whitespace runs become one space, and a space next to a wide character
    is dropped, so ``45 円`` equals ``45円`` and a line break inside Japanese
    text does not split a phrase.
    """
    folded = unicodedata.normalize("NFKC", text).translate(KATA2HIRA).casefold()
    return _WIDE_SPACE.sub("", _SPACE.sub(" ", folded).strip())


@dataclass(frozen=True)
class Query:
    """A parsed search: every term must match (AND); quoted phrases are one term."""

    terms: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(raw: str | None) -> Query:
    """Split user input into folded terms; quoted text stays one phrase."""
    text = unicodedata.normalize("NFKC", (raw or "")[:MAX_QUERY_CHARS])
    terms: list[str] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        close = _QUOTES.get(ch)
        end = text.find(close, pos + 1) if close else -1
        if close and end != -1:
            terms.append(text[pos + 1 : end])
            pos = end + 1
            continue
        match = _SPACE.match(text, pos)
        if match:
            pos = match.end()
            continue
        end = _SPACE.search(text, pos)
        stop = end.start() if end else len(text)
        terms.append(text[pos:stop])
        pos = stop
    cleaned: list[str] = []
    for term in terms:
        folded = fold(re.sub(r"[\"「」『』“”]", " ", term))
        if folded and folded not in cleaned:
            cleaned.append(folded)
    return Query(tuple(cleaned[:MAX_TERMS]))


# --- mapping folded positions back onto the original ---------------------------------------

_FOLD_CACHE: dict[str, str] = {}


def _fold_piece(piece: str) -> str:
    cached = _FOLD_CACHE.get(piece)
    if cached is None:
        cached = unicodedata.normalize("NFKC", piece).translate(KATA2HIRA).casefold()
        if len(_FOLD_CACHE) < 50_000:
            _FOLD_CACHE[piece] = cached
    return cached


def _is_mark(ch: str) -> bool:
    # Half-width voicing marks and combining marks belong to the previous character.
    return ch in "\uff9e\uff9f" or unicodedata.combining(ch) != 0


class FoldedText:
    """The folded form of ``original`` with each folded character's source index."""

    def __init__(self, original: str):
        self.original = original
        chars: list[str] = []
        index: list[int] = []
        space_at = -1  # source index of a pending space, kept only between narrow characters
        i, n = 0, len(original)
        while i < n:
            j = i + 1
            while j < n and _is_mark(original[j]):
                j += 1
            piece = original[i:j]
            for ch in " " if piece.isspace() else _fold_piece(piece):
                if ch.isspace():
                    if chars and space_at < 0:
                        space_at = i
                    continue
                if space_at >= 0 and not (_wide(chars[-1]) or _wide(ch)):
                    chars.append(" ")
                    index.append(space_at)
                space_at = -1
                chars.append(ch)
                index.append(i)
            i = j
        self.text = "".join(chars)
        self.index = index
        self.index.append(n)

    def spans(self, terms) -> list[tuple[int, int]]:
        """Original-text spans of every occurrence of ``terms``, merged and sorted."""
        found: list[tuple[int, int]] = []
        for term in terms:
            if not term:
                continue
            start = self.text.find(term)
            while start != -1:
                end = start + len(term)
                found.append((self.index[start], self._orig_end(end)))
                start = self.text.find(term, start + 1)
        found.sort()
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def _orig_end(self, folded_end: int) -> int:
        # The end of a match is the start of the next source character.
        if folded_end >= len(self.text):
            return len(self.original)
        start = self.index[folded_end - 1]
        nxt = self.index[folded_end]
        return nxt if nxt > start else self.index[bisect_right(self.index, start)]


def _marked(text: str, spans, offset: int = 0) -> Markup:
    out: list[str] = []
    pos = 0
    for start, end in spans:
        start, end = start - offset, end - offset
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def highlight(text: str, terms) -> Markup:
    """Escape ``text`` and wrap every occurrence of the folded ``terms`` in ``<mark>``."""
    return _marked(text, FoldedText(text).spans(terms))


def snippet(text: str, terms, width: int = 120, before: int = 30) -> Markup:
    """An escaped, highlighted excerpt of ``text`` around its first match."""
    folded = FoldedText(text)
    spans = folded.spans(terms)
    first = spans[0][0] if spans else 0
    start = max(0, first - before)
    end = min(len(text), start + width)
    inside = [(max(s, start), min(e, end)) for s, e in spans if s < end and e > start]
    body = _marked(text[start:end], inside, offset=start)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return Markup(lead) + body + Markup(tail)
