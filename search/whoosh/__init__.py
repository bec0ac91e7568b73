"""The embedded engine: Whoosh indexes in SEARCH_INDEX_DIR, one writer at a time through the change queue.

``backend`` (WhooshBackend: the Backend interface), ``engine`` (index folders, schemas, searchers),
``query`` and ``cache`` (evaluation on per-segment bitmaps), ``writer`` (applying the queue,
rebuild, check), ``analyzer`` (search.analysis's terms as a Whoosh analyser).
"""
