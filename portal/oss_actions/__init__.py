"""Actions on a filed application through OSS: 中断予約, 補正要求 guidance, 再申請, ダイレクト納付."""

from flask import Blueprint

bp = Blueprint("oss_actions", __name__)

from portal.oss_actions import views  # noqa: E402,F401
