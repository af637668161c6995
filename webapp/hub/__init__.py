"""The hub: the same software run upstream, joining many kits into one assembly."""
