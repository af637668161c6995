"""venuekit web app: the kit's brain."""
