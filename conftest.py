pytest_plugins = ["warmflow_shared.testing.servers"]
