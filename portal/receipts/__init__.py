"""受付番号リスト: lists of 受付番号 sent to OSS before a counter visit."""

from flask import Blueprint

bp = Blueprint("receipts", __name__)

from portal.receipts import views  # noqa: E402,F401
