"""After-sales pages by audience: buyer (ask, send back, dispute), merchant (answer), admin (rule),
and the panel every order page shows."""
