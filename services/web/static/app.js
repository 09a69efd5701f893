// Progressive enhancement for every page (no inline handlers: the CSP forbids them).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-copy]");
    if (t) {
      var text = document.querySelector(t.getAttribute("data-copy")).textContent.trim();
      var done = function () { t.textContent = t.getAttribute("data-copied"); };
      if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, done); } else { done(); }
    }
    if (e.target.closest("[data-print]")) { window.print(); }
  });
  // Forms that change a case ask first.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var q = f.getAttribute("data-confirm");
    if (q && !window.confirm(q)) { e.preventDefault(); }
  });
})();

