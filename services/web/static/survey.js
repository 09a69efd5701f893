// The survey form, one screen at a time. Without JavaScript every screen shows at once and
// the form still works. The draft (answers only, never the code) stays in this browser.
(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var key = form.getAttribute("data-draft");
  var current = 0;

  // A code carried in the link's #fragment never reached the server; move it into the form
  // and out of the address bar and history.
  var m = /(?:^#|&)code=([^&]+)/.exec(window.location.hash);
  var code = form.querySelector("#code");
  if (m && code) {
    code.value = decodeURIComponent(m[1]);
    history.replaceState(null, "", window.location.pathname);
  }

  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("q.") !== 0) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      (data[el.name] = data[el.name] || []).push(el.value);
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage off: no draft */ }
  }

  function restore() {
    var data;
    try { data = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { data = {}; }
    Array.prototype.forEach.call(form.elements, function (el) {
      var values = data[el.name];
      if (!values) { return; }
      if (el.type === "radio" || el.type === "checkbox") { el.checked = values.indexOf(el.value) >= 0; }
      else { el.value = values[0]; }
    });
  }

  function valid(step) {
    var fields = step.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].checkValidity()) { fields[i].reportValidity(); return false; }
    }
    return true;
  }

  var text = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  var prev = form.querySelector("[data-prev]");
  var next = form.querySelector("[data-next]");

  function show(n, focus) {
    current = Math.max(0, Math.min(n, steps.length - 1));
    steps.forEach(function (s, i) { s.hidden = i !== current; });
    text.textContent = form.getAttribute("data-progress")
      .replace("{n}", String(current + 1)).replace("{total}", String(steps.length));
    bar.style.width = Math.round(100 * (current + 1) / steps.length) + "%";
    prev.hidden = current === 0;
    next.hidden = current === steps.length - 1;
    if (focus) {
      var h = steps[current].querySelector("h2");
      if (h) { h.focus(); }
    }
  }

  Array.prototype.forEach.call(form.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
  prev.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { if (valid(steps[current])) { show(current + 1, true); } });
  form.addEventListener("change", save);
  form.addEventListener("input", save);
  form.addEventListener("submit", function (e) {
    for (var i = 0; i < steps.length; i++) {
      if (!valid(steps[i])) { show(i, false); valid(steps[i]); e.preventDefault(); return; }
    }
  });
  restore();
  show(0, false);
})();

// On the confirmation page: the answers are sent, the draft is no longer needed.
(function () {
  "use strict";
  var done = document.querySelector("[data-clear-draft]");
  if (done) {
    try { localStorage.removeItem(done.getAttribute("data-clear-draft")); } catch (e) { /* nothing kept */ }
  }
})();
