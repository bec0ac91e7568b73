"""The engine for several machines: documents in PostgreSQL (SEARCH_BACKEND=postgres).

``backend`` (PostgresBackend: the Backend interface), ``documents`` (a document as a row: the
analysed terms as a tsvector, filter keys, sort keys, stored fields), ``query`` (matching,
ranking, filters and facet counts in SQL), ``writer`` (writing documents in the changing
transaction, rebuild, check). No queue and no files: any number of machines read and write the
same documents.
"""
