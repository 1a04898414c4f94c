"""The pages people use (citizen map, and later editor, bookings, dashboards) on top of the API."""
