// Live progress: when the server says this application changed, show the page again.
// Without JavaScript (or EventSource) the "Refresh" link beside it does the same by hand.
// Once the person has started filling a form on the page, it is not reloaded under them:
// the line says the application changed and the "Refresh" link is theirs to use.
(function () {
  "use strict";
  var element = document.querySelector("[data-live-url]");
  if (!element || !window.EventSource) {
    return;
  }
  var busy = false;
  document.addEventListener("input", function () { busy = true; });
  document.addEventListener("change", function () { busy = true; });
  document.addEventListener("submit", function () { busy = true; });
  var source = new EventSource(element.getAttribute("data-live-url"));
  source.addEventListener("changed", function () {
    source.close();
    if (!busy) {
      window.location.reload();
      return;
    }
    element.setAttribute("role", "status");
    element.setAttribute("data-live", "changed");
    var note = element.getAttribute("data-changed-text");
    if (note) {
      element.firstChild.textContent = note + " ";
    }
  });
  element.setAttribute("data-live", "on");
})();
