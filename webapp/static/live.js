// Live screens: refresh the #live block whenever the kit says something changed.
// Without JavaScript the page's <noscript> meta refresh does the same, more slowly.
(function () {
  var box = document.getElementById("live");
  if (!box || !window.WebSocket) { return; }
  var url = box.getAttribute("data-fragment");
  var fetching = false, again = false;
  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null) { box.innerHTML = html; }
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
      if (data.version !== undefined) { refresh(); }
    };
    ws.onclose = function () {
      setTimeout(function () { connect(Math.min(delay * 2, 10000)); }, delay);
    };
  }
  connect(500);
})();
