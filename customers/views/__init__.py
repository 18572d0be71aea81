"""HTML views of the customers app, one module per area; each module exposes `urlpatterns`."""
