"""The licence pages: the shop's (views.merchant), the platform's (views.admin), the private scan (views.files)."""
