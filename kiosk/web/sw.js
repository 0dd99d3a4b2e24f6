// lab kiosk service worker: keeps the kiosk's anonymous shell, so that a tablet whose network
// (or server) is down still opens the home and check-in pages and can queue check-ins.
//
// Served as /kiosk/sw.js with "Service-Worker-Allowed: /kiosk" and registered with the scope
// /kiosk by queue.js. What it keeps, and nothing else:
// - the pages /kiosk and /kiosk/checkin, only as a paired tablet with no visitor gets them
//   (the page says data-visit="off": nobody's first name in the header), refreshed at every
//   visit while online (network first);
// - the stylesheet and scripts those pages need.
// Never an API answer, never a page of a visitor's visit, never anything outside this list.
// The cache's name carries a digest of these files (filled in by the server): a new release
// installs a new worker, which fills a new cache and deletes the old ones.
"use strict";

var PREFIX = "lab-kiosk-shell-";
var CACHE = PREFIX + "__SHELL_VERSION__";
var PAGES = ["/kiosk", "/kiosk/checkin"];
var ASSETS = [
  "/static/css/kiosk.css",
  "/static/js/kiosk.js",
  "/static/js/scan.js",
  "/static/vendor/jsqr/jsQR-1.4.0.js",
  "/kiosk/queue.js"
];
var HOME = "/kiosk";

function pagePath(url) {
  var path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
  return !url.search && PAGES.indexOf(path) !== -1 ? path : null;
}

// Keep a page only if it is the anonymous shell: a plain 200 from this server, not a redirect
// (an unpaired tablet is sent to /kiosk/pair), with no visitor's visit in progress.
function keepPage(cache, path, response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") {
    return Promise.resolve();
  }
  return response.clone().text().then(function (html) {
    if (html.indexOf('data-visit="off"') === -1) { return undefined; }
    return cache.put(path, response);
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      var assets = ASSETS.map(function (url) {
        return fetch(url, { cache: "no-cache" }).then(function (response) {
          if (response.ok) { return cache.put(url, response); }
          return undefined;
        });
      });
      var pages = PAGES.map(function (path) {
        return fetch(path, { credentials: "same-origin", cache: "no-store" })
          .then(function (response) { return keepPage(cache, path, response); })
          .catch(function () {});  // best effort: the next visit online keeps them
      });
      return Promise.all(assets.concat(pages));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) { return caches["delete"](name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function networkFirst(request, path) {
  return fetch(request).then(function (response) {
    if (path) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return keepPage(cache, path, copy); })
        .catch(function () {});
    }
    return response;
  }, function () {
    // Offline: the page itself if kept, else the home screen (its links still work once the
    // network is back), else the browser's own error.
    return caches.open(CACHE).then(function (cache) {
      return cache.match(path || HOME).then(function (hit) {
        return hit || cache.match(HOME);
      });
    }).then(function (hit) { return hit || Response.error(); });
  });
}

function cacheFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) { return hit || fetch(request); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // check-ins and forms go straight to the network
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    if (url.pathname === HOME || url.pathname.indexOf(HOME + "/") === 0) {
      event.respondWith(networkFirst(request, pagePath(url)));
    }
    return;
  }
  if (!url.search && ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(cacheFirst(request));
  }
  // Anything else (API answers, images, other pages' requests) is not the worker's business.
});
