"""The reviews' pages: public.py (lists), buyer.py (the review form, reports), manage.py (the shop's
replies, the platform's hiding)."""
