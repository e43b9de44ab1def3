"""Schema migrations, the archive and the rebuild against real databases."""
