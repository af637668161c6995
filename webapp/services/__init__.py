"""Assembly operations over the store: the rules of webapp.domain applied to the kit's data.

No Flask here, so the web app, the JSON API, the CLI and the button service share one path.
"""
