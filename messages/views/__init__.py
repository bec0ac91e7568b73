"""The HTML pages of messages: the buyer's start and inbox, the conversation, the shop's inbox, the admin's reports."""
