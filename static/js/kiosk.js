// lab kiosk shell: the idle timer and a clean slate for the next visitor.
//
// A shared tablet must never show one visitor's things to the next. After 75 s without a touch
// a warning asks "are you still there?"; at 90 s the visit ends on the server (and with it the
// language the visitor chose), the browser's storage is cleared and the tablet goes home
// (replacing the history entry, and every kiosk page is no-store: pressing Back asks the
// server again, which no longer knows the visit).
// Times come from Date.now(), so tests can fast-forward the clock instead of waiting.
(function () {
  "use strict";
  var body = document.body;
  var idleMs = Number(body.getAttribute("data-idle-seconds") || 90) * 1000;
  var warnMs = Number(body.getAttribute("data-warn-seconds") || 75) * 1000;
  var warning = document.getElementById("idle-warning");
  var keepGoing = document.getElementById("idle-continue");
  var last = Date.now();
  var leaving = false;

  function csrfToken() {
    var meta = document.querySelector("meta[name='csrf-token']");
    return meta ? meta.getAttribute("content") : "";
  }

  function clearBrowserStorage() {
    try { window.sessionStorage.clear(); } catch (e) { /* storage disabled: nothing kept */ }
    try { window.localStorage.clear(); } catch (e) { /* idem */ }
    // The offline queue (IndexedDB, managed by queue.js) holds no names: only pass tokens
    // waiting to be sent, which must survive. Cached pages are the anonymous shell only.
  }

  function onActivity() {
    last = Date.now();
    if (warning && !warning.hidden) { warning.hidden = true; }
  }

  function goHome() {
    if (leaving) { return; }
    leaving = true;
    clearBrowserStorage();
    var done = function () { window.location.replace("/kiosk"); };
    var atHome = window.location.pathname === "/kiosk" || window.location.pathname === "/kiosk/";
    var fresh = body.getAttribute("data-visit") !== "on" && body.getAttribute("data-language") !== "chosen";
    if (fresh && atHome) {
      // Nobody's visit to end, no language to forget, and already home: reset the page's
      // forms without a reload loop.
      leaving = false;
      last = Date.now();
      if (warning) { warning.hidden = true; }
      Array.prototype.forEach.call(document.forms, function (form) { form.reset(); });
      return;
    }
    try {
      fetch("/kiosk/end", {
        method: "POST",
        headers: { "x-csrftoken": csrfToken() },
        credentials: "same-origin",
        keepalive: true
      }).then(done, done);
    } catch (e) { done(); }
    window.setTimeout(done, 1500);  // an unanswered request must not keep the visitor's page up
  }

  function tick() {
    var idle = Date.now() - last;
    if (idle >= idleMs) { goHome(); return; }
    if (idle >= warnMs && warning && warning.hidden) {
      warning.hidden = false;
      if (keepGoing) { keepGoing.focus(); }
    }
  }

  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, onActivity, { passive: true, capture: true });
  });
  if (keepGoing) { keepGoing.addEventListener("click", onActivity); }
  window.setInterval(tick, 1000);

  // A page restored from the back-forward cache is an old page: ask the server again.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });

  // Ending a visit by the "I'm done" button also clears storage before the form is sent.
  Array.prototype.forEach.call(document.querySelectorAll("form.kiosk-end"), function (form) {
    form.addEventListener("submit", clearBrowserStorage);
  });
  if (body.getAttribute("data-visit") !== "on") { clearBrowserStorage(); }
})();
