"""The web dashboard and HTTP API: thin layers over open287g.queries."""
