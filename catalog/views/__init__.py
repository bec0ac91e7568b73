"""The catalogue's HTML routes, on catalog.bp: ``public`` (buyer pages), ``merchant`` (a shop's
products, editor, stock, photos), ``imports`` (CSV import and export), ``admin`` (the category
tree). The domain registry imports each module (catalog/__init__.py ``routes``)."""
