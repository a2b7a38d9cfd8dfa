// The field worker's tablet offline (served as /staff/tablet-sw.js, scope /staff/visits).
//
// Pages of the tablet are fetched from the network first and kept in a cache named after
// today, so that today's visits and their forms open without a connection; an older day's
// cache is deleted on the first fetch of a new day. Scripts and styles are served from the
// cache and refreshed behind. When a page comes back as the staff sign-in page (signed out,
// session ended), every cached page is dropped: nothing of a resident stays for the next
// person to pick up the tablet. POSTs are never touched here: tablet.js queues them.
//
// Background Sync: the page registers the sync "tablet-outbox" when it queues a save; its
// "sync" event sends the outbox from here (tablet-outbox.js, the page's own code), so the
// queue drains when the connection returns even with no tablet page open (an open page sends
// it itself). Whatever is still queued after the try makes the event fail, and the browser
// tries again later.
"use strict";

importScripts("/static/js/tablet-outbox.js");

var PREFIX = "onething-tablet-";
var SCOPE = "/staff/visits";
var OFFLINE_PAGE = SCOPE + "/offline";

function today() {
  var now = new Date();
  var month = String(now.getMonth() + 1).padStart(2, "0");
  var day = String(now.getDate()).padStart(2, "0");
  return PREFIX + "pages-" + now.getFullYear() + "-" + month + "-" + day;
}

var ASSETS = PREFIX + "assets";

function dropOtherDays() {
  var keep = today();
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX + "pages-") === 0 && name !== keep;
    }).map(function (name) { return caches.delete(name); }));
  });
}

function dropPages() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX + "pages-") === 0;
    }).map(function (name) { return caches.delete(name); }));
  });
}

function signedOut(response) {
  return new URL(response.url).pathname.indexOf("/staff/sign-in") === 0;
}

// Fetch a tablet page and keep it for today (only a real page: 200, not the sign-in page).
function fetchAndKeep(request) {
  return fetch(request).then(function (response) {
    if (signedOut(response)) {
      return dropPages().then(function () { return response; });
    }
    if (response.status === 200 && !response.redirected) {
      var copy = response.clone();
      caches.open(today()).then(function (cache) { return cache.put(request.url, copy); });
    }
    return response;
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(today())
      .then(function (cache) { return cache.add(OFFLINE_PAGE); })
      .catch(function () { return undefined; })  // not signed in yet: kept on first visit
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(dropOtherDays().then(function () { return self.clients.claim(); }));
});

// The tablet page asks to keep the pages of today's visits (and their drafts) ready.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) {
    return;
  }
  var urls = data.urls.filter(function (url) {
    return new URL(url, self.location.origin).pathname.indexOf(SCOPE) === 0;
  });
  event.waitUntil(Promise.all(urls.concat([SCOPE, OFFLINE_PAGE]).map(function (url) {
    return fetchAndKeep(new Request(url, { credentials: "same-origin" }))
      .catch(function () { return undefined; });
  })));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(ASSETS).then(function (cache) {
      return cache.match(request).then(function (kept) {
        var fresh = fetch(request).then(function (response) {
          if (response.status === 200) {
            cache.put(request, response.clone());
          }
          return response;
        });
        if (kept) {
          fresh.catch(function () { return undefined; });
          return kept;
        }
        return fresh;
      });
    }));
    return;
  }
  if (url.pathname !== SCOPE && url.pathname.indexOf(SCOPE + "/") !== 0) {
    return;
  }
  if (request.headers.get("HX-Request")) {
    return;  // a fragment polled by htmx (the QR's status): not a page to keep
  }
  event.respondWith(dropOtherDays().then(function () {
    return fetchAndKeep(request).catch(function () {
      return caches.open(today()).then(function (cache) {
        // A visit page opened with ?submitted=… offline: the page without the query.
        return cache.match(request.url, { ignoreSearch: false }).then(function (kept) {
          return kept || cache.match(url.origin + url.pathname);
        }).then(function (kept) {
          return kept || (request.mode === "navigate" ? cache.match(OFFLINE_PAGE) : undefined);
        }).then(function (kept) {
          return kept || Response.error();
        });
      });
    });
  }));
});

function tellPages() {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({ type: "outbox-changed" }); });
  });
}

// While a tablet page is on screen, it sends the queue itself on its "online" event (and
// shows how it goes): the sync fails now so that the browser tries again later (Chromium: in
// minutes), when the page may be closed. On the browser's last try the worker sends anyway.
function tabletOnScreen() {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    return pages.some(function (page) { return page.visibilityState === "visible"; });
  });
}

self.addEventListener("sync", function (event) {
  var outbox = self.OnethingOutbox;
  if (!outbox || event.tag !== outbox.SYNC_TAG) {
    return;
  }
  event.waitUntil(tabletOnScreen().then(function (onScreen) {
    if (onScreen && !event.lastChance) {
      return outbox.all().then(function (entries) {
        if (entries.some(function (e) { return e.status === "queued"; })) {
          throw new Error("a tablet page is open: it sends the queue");
        }
      });
    }
    return outbox.replay().then(function (left) {
      return tellPages().then(function () {
        if (left) {
          throw new Error("still queued: " + left);  // the browser retries the sync later
        }
      });
    });
  }));
});
