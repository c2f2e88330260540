"""Every procedure's spec: ``forms.specs.get(code)`` and ``forms.specs.ALL``.

Adding a procedure means adding its spec to one of the family modules (or a
new module listed in ``_MODULES``), its entry in ``forms.catalogue`` and its
tests; forms, live checks, import templates and the procedure selector follow.
"""

from forms import catalogue
from forms.spec import ProcedureSpec
from forms.specs import deregistration
from forms.specs import inspection
from forms.specs import kei
from forms.specs import new_registration
from forms.specs import ownership

_MODULES = (new_registration, ownership, deregistration, inspection, kei)

BY_CODE: dict[str, ProcedureSpec] = {spec.code: spec for m in _MODULES for spec in m.SPECS}
# In catalogue order (the order the procedure selector shows).
ALL: tuple[ProcedureSpec, ...] = tuple(BY_CODE[p.code] for p in catalogue.PROCEDURES)
SPECS = ALL  # the default attribute of `python -m oss.xsd --specs forms.specs`


class UnknownProcedure(KeyError):
    pass


def get(code: str) -> ProcedureSpec:
    """The spec of procedure ``code``; ``UnknownProcedure`` if there is none."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownProcedure(code) from None


def _check_catalogue() -> None:
    missing = {p.code for p in catalogue.PROCEDURES} ^ set(BY_CODE)
    if missing:
        raise RuntimeError(f"catalogue and specs disagree on: {sorted(missing)}")
    for spec in ALL:
        entry = catalogue.BY_CODE[spec.code]
        if (entry.name, entry.backend) != (spec.name, spec.backend):
            raise RuntimeError(f"{spec.code}: catalogue says {entry.name}/{entry.backend}")


_check_catalogue()
