// The field worker's tablet offline: the service worker, and the outbox of saves.
//
// Forms marked data-offline (the form values, each material photo, the submit) are sent by
// this script with their Idempotency-Key (the form's idempotency_key, made once when the
// page was rendered). Without a connection (navigator.onLine false, or the fetch fails) the
// save is kept in IndexedDB (tablet-outbox.js, shared with the service worker) and listed as
// queued; it is sent when the connection returns (the "online" event), on every page load,
// and by the service worker's Background Sync when no tablet page is on screen, and listed
// as sent with where it led. The server answers a replayed key with the first answer, so a
// save sent twice applies once.
// data-offline="queue": each press is a new save (a fresh key afterwards); "once": the key
// names the act itself (one submit per draft), a second press replaces the queued one.
// The words come from the outbox's data-text-* attributes (rendered with the page's locale).
(function () {
  "use strict";
  var root = document.querySelector("[data-tablet-outbox]");
  var outbox = window.OnethingOutbox;  // tablet-outbox.js, loaded before this script
  if (!root || !outbox) {
    return;
  }
  var all = outbox.all;
  var put = outbox.put;
  var remove = outbox.remove;
  var list = root.querySelector("[data-outbox-list]");
  var line = root.querySelector("[data-outbox-status]");

  function text(name) {
    return root.getAttribute("data-text-" + name) || name;
  }

  // --- The service worker: today's pages kept for offline use ---------------------------
  if ("serviceWorker" in navigator && root.getAttribute("data-worker")) {
    navigator.serviceWorker.register(root.getAttribute("data-worker"),
      { scope: "/staff/visits", updateViaCache: "none" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var urls = (root.getAttribute("data-keep") || "").split(" ").filter(Boolean);
        if (registration.active) {
          registration.active.postMessage({ type: "keep", urls: urls });
        }
      })
      .catch(function () { return undefined; });  // no worker: the outbox still works
  }

  // --- Sending -------------------------------------------------------------------------------
  function freshKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function keyField(form) {
    return form.querySelector("input[name=idempotency_key]");
  }

  function entryOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) { fields.push([name, value]); });
    return {
      key: keyField(form).value,
      url: form.action,
      label: form.getAttribute("data-label") || document.title,
      back: window.location.pathname,
      fields: fields,
      status: "queued",
      queuedAt: Date.now(),
    };
  }

  var replaying = null;
  function replay() {
    if (replaying) {
      return replaying;
    }
    replaying = outbox.replay().then(function (left) {
      return left ? requestSync() : undefined;  // still no way through: let the worker retry
    }).catch(function () { return undefined; }).then(function () {
      replaying = null;
      return render();
    });
    return replaying;
  }

  // Background Sync: the service worker sends the queue when the connection returns, even
  // with no tablet page open. Without it (other browsers) the page load and "online" do.
  function requestSync() {
    if (!("serviceWorker" in navigator) || !root.getAttribute("data-worker")) {
      return Promise.resolve();
    }
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync ? registration.sync.register(outbox.SYNC_TAG) : undefined;
    }).catch(function () { return undefined; });
  }

  // --- The list the worker sees --------------------------------------------------------------
  function time(ms) {
    return new Date(ms).toLocaleTimeString(document.documentElement.lang || undefined,
      { hour: "2-digit", minute: "2-digit" });
  }

  function render() {
    line.textContent = navigator.onLine ? "" : text("offline");
    root.setAttribute("data-online", navigator.onLine ? "yes" : "no");
    return all().then(function (entries) {
      entries.sort(function (a, b) { return b.queuedAt - a.queuedAt; });
      list.textContent = "";
      entries.forEach(function (entry) {
        var item = document.createElement("li");
        item.className = "outbox-item";
        item.setAttribute("data-status", entry.status);
        var title = document.createElement("span");
        title.className = "list-title";
        title.textContent = entry.label;
        var meta = document.createElement("span");
        meta.className = "list-meta";
        var words = text(entry.status);
        if (entry.status === "queued" && entry.note) {
          words += " · " + text(entry.note);
        }
        meta.textContent = words + " · " + time(entry.sentAt || entry.queuedAt);
        item.appendChild(title);
        item.appendChild(meta);
        if (entry.status === "sent" && entry.result) {
          var link = document.createElement("a");
          link.href = entry.result;
          link.textContent = text("open");
          item.appendChild(link);
        }
        if (entry.status === "refused") {
          var again = document.createElement("a");
          again.href = entry.back;
          again.textContent = text("redo");
          item.appendChild(again);
          var discard = document.createElement("button");
          discard.type = "button";
          discard.className = "button";
          discard.textContent = text("discard");
          discard.addEventListener("click", function () { remove(entry.key).then(render); });
          item.appendChild(discard);
        }
        list.appendChild(item);
      });
      root.hidden = entries.length === 0 && navigator.onLine;
    });
  }

  function forgetOldDays() {
    var midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    return all().then(function (entries) {
      return Promise.all(entries.filter(function (e) {
        return e.status !== "queued" && (e.sentAt || e.queuedAt) < midnight.getTime();
      }).map(function (e) { return remove(e.key); }));
    });
  }

  function queue(entry) {
    return put(entry).then(render).then(function () {
      line.textContent = text("kept");
      requestSync();  // not waited for: the service worker may not be ready yet
    });
  }

  // --- Forms -----------------------------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var mode = form.getAttribute("data-offline");
    if (!mode || !keyField(form)) {
      if (!navigator.onLine) {  // a step that only works with a connection
        event.preventDefault();
        event.stopImmediatePropagation();
        line.textContent = text("needs-connection");
        root.hidden = false;
      }
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    var entry = entryOf(form);
    if (mode === "queue") {
      keyField(form).value = freshKey();  // the next press is another save
    }
    if (!navigator.onLine) {
      queue(entry);
      return;
    }
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    outbox.send(entry).then(function (outcome) {
      if (outcome.kind === "sent") {
        window.location.assign(outcome.url);
      } else if (outcome.kind === "refused") {
        // The server refused the values (nothing changed, the key is free again): let the
        // browser post the form itself, so that the page shows what to correct.
        keyField(form).value = entry.key;
        form.submit();
      } else {
        buttons.forEach(function (b) { b.disabled = false; });
        queue(entry);
      }
    });
  }, true);

  // A page kept by the service worker may carry a key already queued or sent: renew it.
  function renewUsedKeys() {
    return all().then(function (entries) {
      var used = {};
      entries.forEach(function (e) { used[e.key] = true; });
      document.querySelectorAll("form[data-offline=queue]").forEach(function (form) {
        var field = keyField(form);
        if (field && used[field.value]) {
          field.value = freshKey();
        }
      });
    });
  }

  window.addEventListener("online", function () { render().then(replay); });
  if ("serviceWorker" in navigator) {  // the service worker sent the queue in the background
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-changed") {
        render();
      }
    });
  }
  window.addEventListener("offline", render);
  forgetOldDays().then(renewUsedKeys).then(render).then(function () {
    if (navigator.onLine) {
      return replay();
    }
    return undefined;
  }).catch(function () { return undefined; });
})();
