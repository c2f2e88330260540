"""Key rotation: re-wrap every registered encrypted column."""

import sqlalchemy as sa

from portal import vault
from portal.extensions import db


def rotate_all(batch: int = 500) -> dict[str, tuple[int, int]]:
    """Re-wrap each value whose key id is not the primary; return counts per column."""
    ring = vault.current_keyring()
    counts: dict[str, tuple[int, int]] = {}
    for model, attr, aad_for in vault.ENCRYPTED_COLUMNS:
        seen = changed = 0
        last_id = 0
        while True:
            rows = db.session.scalars(
                sa.select(model).where(model.id > last_id).order_by(model.id).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                seen += 1
                token = getattr(row, attr)
                if token and vault.key_id(token) != ring.primary:
                    setattr(row, attr, vault.rewrap(ring, token, aad_for(row)))
                    changed += 1
            last_id = rows[-1].id
            db.session.commit()
        counts[f"{model.__tablename__}.{attr}"] = (seen, changed)
    return counts
