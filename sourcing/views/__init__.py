"""The sourcing pages: the buyer's, the shop's, the public board."""
