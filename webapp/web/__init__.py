"""Server-rendered pages: participants, organiser, steward and the projector."""
