"""Procedure families: the unit of our XML schemas (one XSD per family)."""

FAMILIES: dict[str, tuple[str, ...]] = {
    "registration": ("shinsha_shinki", "chuko_shinki", "iten", "henko", "kisai_henko"),
    "deregistration": ("ichiji_massho", "eikyu_massho", "iten_ichiji_massho",
                       "iten_eikyu_massho", "henko_ichiji_massho"),
    "inspection": ("keizoku",),
    "kei": ("kei_shinsha_shinki", "kei_keizoku"),
}

FAMILY_OF: dict[str, str] = {code: fam for fam, codes in FAMILIES.items() for code in codes}


def family_of(procedure_code: str) -> str:
    """Return the family of a procedure code; KeyError for an unknown code."""
    return FAMILY_OF[procedure_code]
