"""The submission pipeline: from a staff member's send to a 到達番号, then OSS status.

- ``send``: claim submissions by compare-and-set, sign, commit, then submit.
- ``outcomes``: how each answer (or its absence) changes a submission and its application.
- ``reaper``: submissions whose job died go back in play.
- ``outbox``: due submissions whose job is not queued are enqueued from the database.
- ``poll``: batched OSS status queries for applications still under way.
- ``periodic`` / ``ticker``: one tick per interval across workers (reaper, outbox, polls, stale
  受付番号リスト sends, due 予約送信, billing close).

See docs/pipeline.md for the states, the guarantees and recovery.
"""
