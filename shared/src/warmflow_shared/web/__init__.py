"""HTTP plumbing for services: problem JSON, middleware, health, app factory.

Import from the submodules; ``web.errors`` stays free of framework imports for domain code.
"""
