"""The hub takes a kit's signed sync bundle by upload: the operator's form, or `venuekit hub import-bundle`.

A bundle is applied through the same ingest as a live batch (webapp/hub/ingest.py): records
upserted by id and version, the same id and version with other content kept as a conflict. The
records the hub already holds (at or below the kit's checkpoint) are skipped, so uploading a
bundle twice, or an old bundle after a live sync, changes nothing at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from webapp.security import require_role
from webapp.storage import Store
from webapp.sync import bundle as sync_bundle

from . import ingest

bp = Blueprint("hub_bundles", __name__, url_prefix="/hub")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
ATTEMPTS = 5
# What the operator reads for each refusal (the exceptions' own messages are for logs).
REFUSALS = {
    "unknown_kit": _l("no kit is enrolled here with that id. Was the bundle made for another hub?"),
    "bad_signature": _l("its signature does not match: it was altered, or made by another kit."),
    "no_public_key": _l("the hub has no key for this kit yet. Sync the kit live once first."),
    "gap": _l("the hub lacks older records of this kit. On the kit, make a bundle of everything and upload that."),
    "wrong_assembly": _l("it is for another assembly than the kit enrolled with."),
    "bad_version": _l("it was made by another version of venuekit."),
    "too_large": _l("the file is too large."),
}
NOT_A_BUNDLE = _l("this is not a venuekit sync bundle.")


@dataclass
class ImportResult:
    kit_id: str
    kit_name: str
    received: int
    new: int
    stored: int = 0
    unchanged: int = 0
    stale: int = 0
    conflicts: int = 0
    checkpoint: int = 0


def import_bundle(hub: Store, data: bytes) -> ImportResult:
    """Check and apply one bundle; BundleError (refused as a whole) or ingest.IngestError."""
    found = sync_bundle.read(data, lambda kit_id: ingest.keys_for(hub, kit_id))
    for _attempt in range(ATTEMPTS):
        checkpoint = hub.scalar("SELECT checkpoint FROM kits WHERE kit_id = ?", [found.kit_id]) or 0
        if found.after > checkpoint and found.records:
            raise sync_bundle.BundleError(
                "gap", "the hub lacks records older than this bundle's: make a bundle of all records on the kit "
                       "(“Everything” / --all) and upload that")
        new = [r for r in found.records if isinstance(r, dict) and isinstance(r.get("seq"), int)
               and r["seq"] > checkpoint]
        result = ImportResult(found.kit_id, found.kit_name, len(found.records), len(new), checkpoint=checkpoint)
        if not new:
            return result  # nothing the hub lacks: change nothing, not even the kit's last contact
        try:
            done = ingest.ingest(hub, found.kit_id, {"assembly_id": found.assembly_id, "after": checkpoint,
                                                     "records": new})
        except ingest.IngestError as exc:
            if exc.code == "checkpoint_mismatch":
                continue  # a live sync from the same kit moved the checkpoint meanwhile: look again
            raise
        result.stored, result.unchanged, result.stale = done.stored, done.unchanged, done.stale
        result.conflicts, result.checkpoint = len(done.conflicts), done.checkpoint
        return result
    raise ingest.IngestError("busy", "the kit's records kept changing while the bundle was applied: try again")


def describe(result: ImportResult) -> str:
    """One line for the command line and logs."""
    return (f"{result.kit_name or result.kit_id}: {result.received} records in the bundle, {result.new} new to the "
            f"hub, {result.stored} stored, {result.unchanged} unchanged, {result.conflicts} conflicts; "
            f"checkpoint {result.checkpoint}")


@bp.url_value_preprocessor
def allow_large_bundles(endpoint: str | None, values: dict | None) -> None:
    # Runs before the app's CSRF check reads the form, which would otherwise stop a bundle at
    # the small limit kept for every other form.
    if endpoint == "hub_bundles.upload":
        request.max_content_length = MAX_UPLOAD_BYTES


@bp.post("/bundles")
@require_role("organiser")
def upload():
    hub = current_app.extensions["venuekit_hub"]
    sent = request.files.get("bundle")
    if sent is None or not sent.filename:
        flash(_("Choose a sync bundle file first."), "error")
        return redirect(url_for("hub_pages.overview"), 303)
    try:
        result = import_bundle(hub, sent.read(MAX_UPLOAD_BYTES + 1))
    except (sync_bundle.BundleError, ingest.IngestError) as exc:
        current_app.logger.warning("sync bundle refused (%s): %s", exc.code, exc)
        flash(_("The bundle was refused: %(why)s", why=REFUSALS.get(exc.code, NOT_A_BUNDLE)), "error")
    else:
        if result.conflicts:
            current_app.logger.warning("bundle from kit %s had %d conflicting records", result.kit_id, result.conflicts)
        if result.new:
            flash(_("Bundle from %(kit)s applied: %(new)d new records (%(conflicts)d conflicts).",
                    kit=result.kit_name or result.kit_id, new=result.new, conflicts=result.conflicts), "notice")
        else:
            flash(_("The hub already had everything in this bundle from %(kit)s: nothing changed.",
                    kit=result.kit_name or result.kit_id), "notice")
    return redirect(url_for("hub_pages.overview"), 303)


def import_from_cli(hub: Store, path) -> int:
    """`venuekit hub import-bundle FILE`: apply it and say what changed; 1 if refused."""
    import sys

    try:
        result = import_bundle(hub, path.read_bytes())
    except OSError as exc:
        print(f"venuekit: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except (sync_bundle.BundleError, ingest.IngestError) as exc:
        print(f"venuekit: bundle refused ({exc.code}): {exc}", file=sys.stderr)
        return 1
    print(describe(result))
    return 0
