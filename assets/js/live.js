// Live progress: when the server says this application changed, show the page again.
// Without JavaScript (or EventSource) the "Refresh" link beside it does the same by hand.
(function () {
  "use strict";
  var element = document.querySelector("[data-live-url]");
  if (!element || !window.EventSource) {
    return;
  }
  var source = new EventSource(element.getAttribute("data-live-url"));
  source.addEventListener("changed", function () {
    source.close();
    window.location.reload();
  });
  element.setAttribute("data-live", "on");
})();
