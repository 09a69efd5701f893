"""Web pages for staff, handlers, leaders and admins. They call the slices' services; no domain
logic lives here. See app.py for the router and README's code map."""
