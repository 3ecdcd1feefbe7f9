pytest_plugins = ["warmflow_shared.testing.servers", "warmflow_shared.testing.parallel"]
