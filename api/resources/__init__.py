"""flask-restx namespaces, one module per area."""
