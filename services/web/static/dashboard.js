// Live updates: the server says "surveys" or "cases" moved; fetch this page again and swap
// the dashboard in place. If the stream fails (Redis down), say so; a reload still works.
(function () {
  "use strict";
  var box = document.getElementById("dashboard");
  if (!box || !window.EventSource) { return; }
  var busy = false;

  function status(on, updated) {
    var s = document.getElementById("live-status");
    if (!s) { return; }
    s.setAttribute("data-state", on ? "on" : "off");
    // role=status: a screen reader hears that the figures were refreshed, and when.
    s.textContent = s.getAttribute(on ? "data-on" : "data-off") +
      (updated ? " · " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "");
  }

  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("dashboard");
        if (fresh) { box.innerHTML = fresh.innerHTML; status(true, true); }
      })
      .catch(function () { /* the next change or a reload tries again */ })
      .then(function () { busy = false; });
  }

  var source = new EventSource(box.getAttribute("data-live-url"));
  source.addEventListener("ready", function () { status(true); });
  source.addEventListener("change", refresh);
  source.onerror = function () { status(false); };
})();
