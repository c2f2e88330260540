from flask import Blueprint

bp = Blueprint("association", __name__)

from portal.association import views  # noqa: E402,F401
