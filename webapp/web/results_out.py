"""The organiser's *Getting results out* page: the venue's internet (Wi-Fi, a phone's USB
tethering, Ethernet) and, with no internet at all, a signed sync bundle to download or to write
to a USB stick. Plain forms with CSRF tokens: it works without JavaScript."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint, Response, current_app, flash, get_flashed_messages, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l

from pi import removable
from pi.netmanager import Nmcli, NmError, manager_for
from webapp.security import require_role, store
from webapp.services import kit_status, uplinks
from webapp.sync import bundle
from webapp.sync import state as sync_state

bp = Blueprint("results_out", __name__, url_prefix="/organiser/results-out")

JOIN_REFUSALS = {
    "serves_phones": _l("That radio is the one serving the phones: joining another network with it would cut "
                        "every phone off the kit."),
    "no_radio": _l("That Wi-Fi radio is not there any more. Scan again."),
    "bad_ssid": _l("Choose a network, or type its name (at most 32 bytes)."),
    "bad_password": _l("A Wi-Fi password has 8 to 63 characters."),
}
BUNDLE_REFUSALS = {
    "not_enrolled": _l("This kit is not enrolled with a hub yet. Enrol it on the Sync page first: that needs the "
                       "hub once, for example before the event."),
    "no_public_key": _l("This kit must sync live once before the hub can check its bundles."),
}


def _settings() -> dict:
    return {"manager": "nmcli", "root": "/", **(current_app.config.get("UPLINKS") or {})}


def _nm():
    try:
        return manager_for(_settings(), current_app.extensions["venuekit"].data_dir)
    except ValueError as exc:
        # A typo in [uplinks] must not take the page away: the real NetworkManager it is.
        current_app.logger.warning("uplinks: %s; using nmcli", exc)
        return Nmcli()


def _root() -> Path:
    return Path(_settings()["root"])


def _back():
    return redirect(url_for("results_out.page"), 303)


@bp.get("/")
@require_role("organiser")
def page():
    messages = dict(get_flashed_messages(with_categories=True))
    venue = uplinks.venue_interface(current_app.config)
    return render_template(
        "organiser/results_out.html", error=messages.get("error"), notice=messages.get("notice"),
        venue=venue, mode=current_app.config.get("NETWORK_MODE", "onboard"),
        uplink=kit_status.uplink_state(store()), wifi=uplinks.wifi_choice(_nm(), venue),
        links=uplinks.wired_links(_root(), venue), drives=removable.mounted_drives(_root()),
        sync=sync_state.summary(store(), current_app.config["KIT_NAME"]), last_bundle=bundle.last_made(store()),
    )


@bp.post("/wifi/scan")
@require_role("organiser")
def scan():
    choice = uplinks.wifi_choice(_nm(), uplinks.venue_interface(current_app.config), rescan=True)
    if choice.error:
        flash(_("NetworkManager could not scan: %(why)s", why=choice.error), "error")
    else:
        flash(_("Scanned: %(n)d networks found.", n=sum(len(n) for n in choice.networks.values())), "notice")
    return _back()


@bp.post("/wifi/join")
@require_role("organiser")
def join():
    ssid = request.form.get("other_ssid", "").strip() or request.form.get("ssid", "")
    try:
        uplinks.check_join(_nm(), uplinks.venue_interface(current_app.config), request.form.get("device", ""),
                           ssid, request.form.get("password", ""))
    except ValueError as exc:
        flash(str(JOIN_REFUSALS.get(str(exc), JOIN_REFUSALS["bad_ssid"])), "error")
    except NmError as exc:
        flash(_("The kit could not join “%(ssid)s”: %(why)s", ssid=ssid, why=str(exc)), "error")
    else:
        flash(_("The kit joined “%(ssid)s”. Sync starts by itself as soon as the hub answers.", ssid=ssid),
              "notice")
    return _back()


def _bundle_error(exc: bundle.BundleError) -> str:
    return str(BUNDLE_REFUSALS.get(exc.code, _l("No bundle could be made.")))


@bp.post("/bundle")
@require_role("organiser")
def download():
    try:
        data, summary = bundle.make(store(), all_records=request.form.get("scope") == "all",
                                    configured_name=current_app.config["KIT_NAME"])
    except bundle.BundleError as exc:
        flash(_bundle_error(exc), "error")
        return _back()
    return Response(data, mimetype="application/gzip",
                    headers={"Content-Disposition": f'attachment; filename="{summary["filename"]}"'})


@bp.post("/bundle/usb")
@require_role("organiser")
def to_usb():
    wanted = request.form.get("mount_point", "")
    drive = next((d for d in removable.mounted_drives(_root()) if d.mount_point == wanted and d.writable), None)
    if drive is None:
        flash(_("That USB stick is not there any more, or the kit cannot write to it."), "error")
        return _back()
    try:
        path, summary = bundle.write_to_drive(store(), drive, all_records=request.form.get("scope") == "all",
                                       configured_name=current_app.config["KIT_NAME"])
    except bundle.BundleError as exc:
        flash(_bundle_error(exc), "error")
    except OSError as exc:
        flash(_("Writing to the USB stick failed: %(why)s", why=exc.strerror or str(exc)), "error")
    else:
        flash(_("%(n)d records written to %(file)s on the USB stick “%(stick)s”. You can unplug it now.",
                n=summary["records"], file=path.name, stick=drive.label), "notice")
    return _back()
