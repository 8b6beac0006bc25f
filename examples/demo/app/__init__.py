"""The demo application package."""
