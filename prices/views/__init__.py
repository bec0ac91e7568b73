"""The prices domain's HTML routes: public (board, commodity pages, exports), reporting, review."""
