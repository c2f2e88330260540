"""Warm a worker before it runs jobs: send jobs in the worker itself, the others in a
fresh fork (``jobs.worker``).

A work-horse starts as a copy of its worker. Whatever the worker has already
imported, compiled and cached, every horse gets for free: the pipeline's
modules, the procedures' XSD schemas, the SQL of the job's reads (compiled
once, by running them for ids that do not exist). ``gc.freeze()`` then keeps
the garbage collector of each horse from touching (and so copying) the
worker's objects. Send jobs run in the worker, so the signing keys they open stay
in its cache (``portal.certificates.keys``): a PKCS#12 file costs 40–70 ms to
open, and each worker opens (and audits) each certificate once.
"""

import gc
import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)


def _compile_reads() -> None:
    from jobs.pipeline import document
    from jobs.pipeline import poll
    from jobs.pipeline.claim import SENDABLE
    from jobs.pipeline.claim import claim
    from jobs.pipeline.send import _prepare
    from portal.certificates.selection import FilingBlocked
    from portal.extensions import db
    from portal.models import Application
    from portal.models import Backend
    from portal.models import Submission
    from portal.models.base import utcnow

    now = utcnow()
    try:
        claim([0], SENDABLE, now)
        filers = document.Filers()
        _prepare([0], {0: 1}, set(), filers)
        context = filers.context(0)
        filers.org(0)
        context.branch(0)
        for backend in Backend:
            context.account(backend, None)
        try:
            context.certificate()
        except FilingBlocked:
            pass
        db.session.execute(sa.select(Submission.id, Submission.state, Submission.attempts)
                           .where(Submission.id.in_([0])).with_for_update()).all()
        db.session.execute(sa.select(Application.id, Application.state)
                           .where(Application.id.in_([0]))).all()
        db.session.execute(poll.due_query(now)).all()
    finally:
        db.session.rollback()
        db.session.remove()


def warm(app) -> None:
    """Import, compile and cache what send, poll and tick jobs need; then freeze the heap."""
    import jobs.pipeline.periodic  # noqa: F401
    from forms import specs
    from oss import xsd

    for spec in specs.ALL:
        xsd.schema_for_spec(spec)
    with app.app_context():
        sa.orm.configure_mappers()
        try:
            _compile_reads()
        except sa.exc.SQLAlchemyError as exc:  # no database yet: the horses compile themselves
            log.warning("worker warm-up skipped the database: %s", exc)
        from portal.extensions import db

        db.engine.dispose()
    gc.freeze()
