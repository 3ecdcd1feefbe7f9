"""HTTP plumbing for services: problem JSON, middleware, health, app factory.

Import from the submodules; the framework-free errors that domain code raises are in
``warmflow_shared.errors``.
"""
