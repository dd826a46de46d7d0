"""The screens of the web application (server-rendered, Jinja2 + htmx, on the NL Design System)."""
