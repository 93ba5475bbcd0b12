"""Template files (Jinja2) for every section; loaded by assistant.prompts."""
