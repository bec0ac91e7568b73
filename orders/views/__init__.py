"""The orders domain's HTML routes: buyer pages, merchant pages, admin pages (declared in orders/__init__.py)."""
