"""Identity: accounts with roles, web sessions with CSRF protection, personal access tokens."""
