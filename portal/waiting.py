"""Work handed to the job workers that has not started: how long is too long, and what the
user is told. The progress parts (bulk send, bulk import, the association's OSS check) poll
on their own; without a running worker they would say 送信中 / 待機中 for ever."""

from datetime import datetime
from datetime import timedelta

from portal.models.base import utcnow

NOT_STARTED_AFTER = timedelta(seconds=60)


def not_started_note(since: datetime | None, now: datetime | None = None) -> str:
    """The note for work queued at ``since`` and not started yet ("" while that is normal)."""
    if since is None:
        return ""
    waited = (now or utcnow()) - since
    if waited <= NOT_STARTED_AFTER:
        return ""
    minutes = max(1, int(waited.total_seconds() // 60))
    return (f"処理がまだ始まっていません({minutes}分前から待機中)。ジョブを実行する作業プロセス"
            "(ワーカー)が止まっている可能性があります。しばらく待っても変わらない場合は、"
            "管理者に連絡してください。待っている処理は失われず、作業プロセスが動けば続きから"
            "実行されます。")
