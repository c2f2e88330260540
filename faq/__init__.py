"""FAQ and notices (お知らせ): content published by association staff, searched by everyone.

Modules: ``models`` (tables), ``text`` (folding, query parsing, highlighting),
``synonyms``, ``search`` (the database-backed search), ``markdown`` (safe
subset), ``services`` (edits, publishing), ``notices`` (what is current, outage
windows), ``importer`` (``ossdesk faq import``), ``starter`` (our starter FAQ),
``views`` (public pages), ``manage`` (association pages), ``cli``.
"""
