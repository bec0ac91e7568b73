"""HTML routes of the investment domain: ``public`` (library, project pages, inquiries) and
``office`` (the 招商工作台). The domain registry imports each module (see investment/__init__.py)."""
