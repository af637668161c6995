"""The JSON API under /api/v1: every organiser, steward and participant action, for scripts."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import openapi, participant, printing, staff  # noqa: E402,F401  (routes register on import)
