"""The gettext catalogues (package data, so an installed bot finds them)."""
