"""Auth plumbing: principals, JWT verification, embedded keys, FastAPI dependencies, token CLI."""
