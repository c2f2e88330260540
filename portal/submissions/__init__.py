"""Sending applications to OSS: bulk sends and their progress (the pipeline's web side)."""

from flask import Blueprint

bp = Blueprint("submissions", __name__)

from portal.submissions import views  # noqa: E402,F401
