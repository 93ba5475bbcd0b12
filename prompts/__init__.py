"""Template files (Jinja2) for every section and chat prompt; shipped as package assistant.prompts,
loaded by assistant.templating."""
