// Live screens: refresh the read-only #live block whenever the kit says something changed.
// Without JavaScript the projector's <noscript> meta refresh does the same, more slowly; pages
// where staff type offer a refresh link instead, so nothing reloads under their fingers.
(function () {
  var box = document.getElementById("live");
  if (!box) { return; }
  // A countdown (projector_timer.html) says what is left as the kit counted it when the part was
  // drawn; it is counted down here from then, so the browser's own clock never matters.
  function tick() {
    var parts = box.querySelectorAll("[data-countdown]");
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (!part.vkEnd) { part.vkEnd = Date.now() + 1000 * parseInt(part.getAttribute("data-countdown"), 10); }
      var left = Math.max(0, Math.ceil((part.vkEnd - Date.now()) / 1000));
      part.textContent = Math.floor(left / 60) + ":" + (left % 60 < 10 ? "0" : "") + (left % 60);
    }
  }
  setInterval(tick, 1000);
  if (!window.WebSocket) { return; }
  var url = box.getAttribute("data-fragment");
  var fetching = false, again = false, stale = false;
  // Screen readers hear a short summary in a polite status region, at most once per gap:
  // counts can move several times a second while a room votes.
  var ANNOUNCE_GAP_MS = 5000;
  var status = document.getElementById("live-status");
  var said = summary(box), lastSaid = 0, sayTimer = null;

  function summary(root) {
    var node = root.querySelector("[data-announce]");
    return node ? node.getAttribute("data-announce") : "";
  }
  function announce() {
    if (!status) { return; }
    var text = summary(box);
    if (!text || text === said || sayTimer) { return; }
    var wait = lastSaid + ANNOUNCE_GAP_MS - Date.now();
    if (wait > 0) {
      sayTimer = setTimeout(function () { sayTimer = null; announce(); }, wait);
      return;
    }
    said = text;
    lastSaid = Date.now();
    status.textContent = text;
  }
  // A part holding keyboard focus or anything a person types into is left as it is: replacing
  // it would throw focus to the top of the page or wipe what was typed.
  function busy(node) {
    var active = document.activeElement;
    return (active && active !== document.body && node.contains(active)) ||
      (node.matches && node.matches("input, select, textarea")) ||
      (node.querySelector && node.querySelector("input, select, textarea") !== null);
  }
  function same(a, b) {
    return a.nodeType === b.nodeType &&
      (a.nodeType === 1 ? a.outerHTML === b.outerHTML : a.textContent === b.textContent);
  }
  function apply(html) {
    var fresh = document.createElement("div");
    fresh.innerHTML = html;
    var active = document.activeElement, activeId = active && active.id;
    var oldParts = box.childNodes, newParts = fresh.childNodes;
    stale = false;
    if (oldParts.length === newParts.length) {
      // Only the parts that changed are replaced: the rest (and any alert in it) stays put.
      for (var i = newParts.length - 1; i >= 0; i--) {
        if (same(oldParts[i], newParts[i])) { continue; }
        if (busy(oldParts[i])) { stale = true; continue; }
        box.replaceChild(newParts[i], oldParts[i]);
      }
    } else if (!busy(box)) {
      box.innerHTML = html;
    } else {
      stale = true;  // the layout changed around a busy part: wait until it is free
    }
    if (activeId && document.activeElement !== active && document.getElementById(activeId)) {
      document.getElementById(activeId).focus();
    }
    announce();
    follow();
  }
  // A screen with several pages (the projector's ideas) moves to the next one after a while,
  // as the page without JavaScript does with its refresh; a change meanwhile shows at once.
  // Counts moving every second while a room votes must not hold a page back: a pending move
  // to the same next page is kept.
  var pageTimer = null, armed = null;
  function follow() {
    var pager = box.querySelector("[data-page-next]");
    var next = pager ? pager.getAttribute("data-page-next") : null;
    if (next === armed) { return; }
    clearTimeout(pageTimer);
    armed = next;
    if (!next) { return; }
    pageTimer = setTimeout(function () {
      armed = null;
      url = next;
      refresh();
    }, 1000 * (parseInt(pager.getAttribute("data-page-seconds"), 10) || 10));
  }
  follow();
  box.addEventListener("focusout", function () {
    setTimeout(function () { if (stale && !busy(box)) { refresh(); } }, 0);
  });
  // The change last heard of rides on each fetch (?v=): the front answers a room of screens
  // asking for the same change from one request to the kit (webapp/front.py).
  var heard = null;
  function withVersion(address) {
    return heard === null ? address : address + (address.indexOf("?") < 0 ? "?" : "&") + "v=" + heard;
  }
  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(withVersion(url), {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null) { apply(html); }
    }).catch(function () {}).then(function () {
      fetching = false;
      if (again) { again = false; refresh(); }
    });
  }
  function connect(delay) {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/live");
    ws.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.version !== undefined) { heard = data.version; refresh(); }
    };
    ws.onclose = function () {
      setTimeout(function () { connect(Math.min(delay * 2, 10000)); }, delay);
    };
  }
  connect(500);
})();
