"""Use cases shared by the views, the CLI and (later) the API."""
