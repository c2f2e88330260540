"""The JIS X 0208 character table and the conversions offered to users.

OSS accepts names and addresses in JIS X 0208 (level 1 and 2 kanji, kana and
symbols), full-width only. The table is every character that Python's
``shift_jis`` codec encodes in two bytes: exactly JIS X 0208's 6,879 cells.
``cp932`` must not be used for the test, because it adds the NEC and IBM
extensions (髙, 﨑, ①, ㈱ …) that OSS refuses.

Windows input methods type a few JIS cells with cp932's code points (～ for
〜, － for −, …). Those are mapped to the JIS code points before checking and
storing, so a Windows user's wave dash is accepted, not refused.
"""

import unicodedata
from functools import lru_cache

import jaconv


def _build_table() -> frozenset[str]:
    chars = []
    for code in range(0x10000):
        ch = chr(code)
        try:
            encoded = ch.encode("shift_jis")
        except UnicodeEncodeError:
            continue
        if len(encoded) == 2:
            chars.append(ch)
    return frozenset(chars)


JIS_X_0208: frozenset[str] = _build_table()

# cp932 (Windows) code points for JIS cells -> the JIS (shift_jis) code points.
CP932_TO_JIS = str.maketrans({
    "\uff5e": "\u301c",  # ～ FULLWIDTH TILDE -> 〜 WAVE DASH
    "\uff0d": "\u2212",  # － FULLWIDTH HYPHEN-MINUS -> − MINUS SIGN
    "\u2225": "\u2016",  # ∥ PARALLEL TO -> ‖ DOUBLE VERTICAL LINE
    "\uffe0": "\u00a2",  # ￠ -> ¢
    "\uffe1": "\u00a3",  # ￡ -> £
    "\uffe2": "\u00ac",  # ￢ -> ¬
})

# Characters outside JIS X 0208 whose standard substitute is not found by
# Unicode normalisation: variant kanji that registries write with the common form.
SUBSTITUTES: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "𠮷": "吉",
    "德": "徳",
    "濵": "濱",
    "桒": "桑",
    "栁": "柳",
    "鷗": "鴎",
    "剝": "剥",
    "塡": "填",
    "頰": "頬",
    "俱": "倶",
    "𠮟": "叱",
    "屛": "屏",
    "蔣": "蒋",
    "瘦": "痩",
    "﨔": "欅",
    "䇳": "箋",
    "ゔ": "ヴ",
    "—": "―",  # EM DASH: JIS maps this cell to HORIZONTAL BAR
    "\u00a0": "\u3000",
}

# jaconv.h2z gives code points JIS X 0208 lacks for these; use the JIS cells.
_FULL_WIDTH_FIXES = str.maketrans({
    "\uff02": "\u201d",  # ＂ -> ”
    "\uff07": "\u2019",  # ＇ -> ’
    "\uff9e": "\u309b",  # ﾞ (alone) -> ゛
    "\uff9f": "\u309c",  # ﾟ (alone) -> ゜
})

HALF_WIDTH_KANA = frozenset(chr(c) for c in range(0xFF61, 0xFFA0))


def normalise(text: str) -> str:
    """Map cp932 variants to their JIS X 0208 code points (what is stored and sent)."""
    return text.translate(CP932_TO_JIS)


def to_full_width(text: str) -> str:
    """Convert half-width ASCII, digits, spaces and kana to full width, JIS code points."""
    return normalise(jaconv.h2z(text, kana=True, ascii=True, digit=True)).translate(
        _FULL_WIDTH_FIXES)


def is_half_width(ch: str) -> bool:
    return (" " <= ch <= "~") or ch in HALF_WIDTH_KANA


def outside(text: str) -> list[str]:
    """The distinct characters of ``text`` that are not in JIS X 0208, in order."""
    seen: list[str] = []
    for ch in normalise(text):
        if ch not in JIS_X_0208 and ch not in seen:
            seen.append(ch)
    return seen


@lru_cache(maxsize=4096)
def substitute(ch: str) -> str | None:
    """The standard JIS X 0208 replacement for ``ch``, or None when there is none."""
    if ch in SUBSTITUTES:
        return SUBSTITUTES[ch]
    for form in ("NFC", "NFKC"):
        candidate = to_full_width(unicodedata.normalize(form, ch))
        if candidate and candidate != ch and all(c in JIS_X_0208 for c in candidate):
            return candidate
    return None


def describe(ch: str) -> str:
    """How to name a character in a message: the character and its code point."""
    return f"「{ch}」(U+{ord(ch):04X})"
