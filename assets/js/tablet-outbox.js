// The tablet's outbox of saves, shared by the page (tablet.js) and the service worker
// (tablet-sw.js, through importScripts): one copy of how a queued save is stored and sent.
//
// IndexedDB "onething-tablet", store "outbox", keyed by the Idempotency-Key. A replay sends
// every queued entry with its own key and the same form fields, and settles it as sent (with
// where the server sent the tablet; its fields are deleted), refused (422, 400, 403: listed
// for the worker to redo) or left queued for later (no connection, 409, 5xx, signed out).
// Page and worker never send the same entry at once: a replay holds the Web Lock
// "onething-tablet-outbox" where there is one, and each entry is claimed in IndexedDB
// ("sendingAt", in the same transaction that reads it) before it is sent. The server's
// Idempotency-Key handling makes a double send harmless; the lock and the claim make it rare.
(function (scope) {
  "use strict";
  if (!scope.indexedDB || !scope.fetch || !scope.FormData) {
    return;
  }
  var STORE = "outbox";
  var LOCK = "onething-tablet-outbox";
  var CLAIM_MS = 60 * 1000;  // a claim older than this was left by a page closed mid-send

  var opened = null;
  function database() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var request = indexedDB.open("onething-tablet", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }

  // work(store) may return an object with a "result" (an IDBRequest, or set by hand).
  function transact(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function all() {
    return transact("readonly", function (store) { return store.getAll(); });
  }
  function put(entry) {
    return transact("readwrite", function (store) { store.put(entry); });
  }
  function remove(key) {
    return transact("readwrite", function (store) { store.delete(key); });
  }

  // The entry, marked as being sent now, if it is still queued and nobody else is sending it.
  function claim(key) {
    return transact("readwrite", function (store) {
      var out = { result: null };
      var request = store.get(key);
      request.onsuccess = function () {
        var entry = request.result;
        var now = Date.now();
        if (entry && entry.status === "queued" && !(entry.sendingAt && now - entry.sendingAt < CLAIM_MS)) {
          entry.sendingAt = now;
          store.put(entry);
          out.result = entry;
        }
      };
      return out;
    });
  }

  // One outcome per try: sent (with where the server sent the tablet), later, or refused.
  function send(entry) {
    var body = new FormData();
    entry.fields.forEach(function (pair) {
      if (pair[1] instanceof Blob) {
        body.append(pair[0], pair[1], pair[1].name || "photo");
      } else {
        body.append(pair[0], pair[1]);
      }
    });
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
      headers: { "Idempotency-Key": entry.key },
    }).then(function (response) {
      if (new URL(response.url).pathname.indexOf("/staff/sign-in") === 0) {
        return { kind: "later", note: "signed-out" };
      }
      if (response.ok && response.redirected) {
        return { kind: "sent", url: response.url };
      }
      if (response.status === 409 || response.status >= 500) {
        return { kind: "later", note: "waiting" };
      }
      return { kind: "refused", status: response.status };
    }, function () {
      return { kind: "later", note: "waiting" };
    });
  }

  function settle(entry, outcome) {
    entry.sendingAt = null;
    if (outcome.kind === "sent") {
      entry.status = "sent";
      entry.sentAt = Date.now();
      entry.result = outcome.url;
      entry.fields = [];  // nothing of the resident stays on the tablet once it is sent
      entry.note = null;
    } else if (outcome.kind === "refused") {
      entry.status = "refused";
      entry.note = null;
    } else {
      entry.note = outcome.note;
    }
    return put(entry);
  }

  // Send what is queued, one entry after another; resolves to how many are still queued.
  function replay() {
    var run = function () {
      return all().then(function (entries) {
        var keys = entries.filter(function (e) { return e.status === "queued"; })
          .map(function (e) { return e.key; });
        var left = 0;
        return keys.reduce(function (done, key) {
          return done.then(function () {
            return claim(key).then(function (entry) {
              if (!entry) {
                return undefined;  // sent, refused or being sent meanwhile
              }
              return send(entry).then(function (outcome) {
                if (outcome.kind === "later") {
                  left += 1;
                }
                return settle(entry, outcome);
              });
            });
          });
        }, Promise.resolve()).then(function () { return left; });
      });
    };
    var locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request(LOCK, run) : run();
  }

  scope.OnethingOutbox = {
    SYNC_TAG: "tablet-outbox",
    all: all, put: put, remove: remove, send: send, settle: settle, replay: replay,
  };
})(self);
