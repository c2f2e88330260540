"""Marker values that force an outcome, for tests and demos.

A 車台番号 whose last four characters are ``99`` + a two-digit code triggers
the behaviour below (e.g. ``ZVW30-1239902`` is rejected at reception). The
車台番号 is found by element name; ``MARKER_FIELDS`` lists the names tried.
"""

import enum
import re

MARKER_FIELDS = frozenset({"chassis_number", "chassis_no", "shadai_bango", "vin", "車台番号"})
_SUFFIX = re.compile(r"99(\d\d)$")


class Marker(enum.StrEnum):
    CORRECTION_AT_RECEPTION = "01"  # 補正要求 when reception review ends
    REJECT_AT_RECEPTION = "02"      # 却下 when reception review ends
    REJECT_IN_REVIEW = "03"         # 却下 by the 運輸支局 / 軽検協 during 審査中
    MESSAGE = "04"                  # a メッセージ (メ) at reception
    NOTICE = "05"                   # a お知らせ (運; kei: 軽) when review starts
    DEADLINE_NOTICE = "06"          # a 期限等のお知らせ (kei: 期; MLIT: 運) at reception
    CORRECTION_BY_POLICE = "07"     # 補正要求 from the police step during 審査中
    HOLD_IN_REVIEW = "08"           # stays 審査中 until withdrawn
    REFUSE_ON_ARRIVAL = "11"        # refused on receipt: no electronic evidence for the chassis

    @property
    def label(self) -> str:
        return self.name.lower()


def find_marker(body) -> Marker | None:
    """The marker carried by the 車台番号 in ``body`` (an lxml element), if any."""
    if body is None:
        return None
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        name = el.tag.rsplit("}", 1)[-1]
        if name in MARKER_FIELDS and el.text:
            match = _SUFFIX.search(el.text.strip())
            if match:
                try:
                    return Marker(match.group(1))
                except ValueError:
                    return None
    return None
