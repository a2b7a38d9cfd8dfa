// The resident's signature on the tablet (in-person confirmation of an authorization).
//
// A <canvas data-signature-pad> inside a <form data-signature-form>: pointer events (finger,
// pen or mouse) draw on it; on submit the drawing becomes a PNG put into the form's hidden
// <input type="file" data-signature-file>, and the form is posted as usual (a whole-page
// load, so errors come back on the page). An untouched box sends no file: the server asks
// for a signature. The page's note names the alternatives for people who cannot draw.
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("[data-signature-pad]");
    var input = form.querySelector("[data-signature-file]");
    if (!canvas || !input) return;
    var context = canvas.getContext("2d");
    var drawn = false;
    var last = null;

    function clear() {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      drawn = false;
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    clear();
    context.lineWidth = 4;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
      drawn = true;
    });
    function stop() {
      last = null;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);

    var clearButton = form.querySelector("[data-signature-clear]");
    if (clearButton) clearButton.addEventListener("click", clear);

    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending || !drawn) return; // nothing drawn: the server says what is missing
      event.preventDefault();
      canvas.toBlob(function (blob) {
        var files = new DataTransfer();
        files.items.add(new File([blob], "signature.png", { type: "image/png" }));
        input.files = files.files;
        sending = true;
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }, "image/png");
    });
  }

  function start() {
    document.querySelectorAll("form[data-signature-form]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
