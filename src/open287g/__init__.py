"""open287g."""
