"""Public pages: the request form, the tracking page, the health check."""
