"""FAQ and notices (お知らせ): content published by association staff, searched by everyone.

Modules: ``models`` (tables), ``text`` (folding, query parsing, highlighting),
``synonyms``, ``search`` (the database-backed search), ``markdown`` (safe
subset), ``services`` (edits, publishing, import upsert), ``notices`` (what is
current, outage windows), ``importer`` (reads ``ossdesk faq import`` files),
``starter_data``/``starter`` (our starter FAQ), ``browse`` (public page
contexts), ``forms``, ``views`` (public pages), ``manage`` (association pages),
``cli``.
"""
