"""Graph stores: the only code that touches a database."""
