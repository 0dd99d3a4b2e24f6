// lab: live roster and projector. The pages work without this file (reload to see news).
//
// The element with data-live-stream listens to the session's server-sent events; each event
// reloads the block named by data-live-target from data-live-refresh (htmx). A dropped stream
// comes back by itself; after a gap, the block is reloaded in case an event was missed.
// On the projector, the board (QR code and count) is also reloaded when the code turns.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-stream]");
  if (!root) { return; }
  var streamUrl = root.getAttribute("data-live-stream");
  var refreshUrl = root.getAttribute("data-live-refresh");
  var target = root.getAttribute("data-live-target");
  var source = null;
  var retryMs = 1000;
  var hadError = false;
  var busy = false;
  var again = false;

  function setState(state) { root.setAttribute("data-live-state", state); }

  // One reload at a time; events arriving meanwhile make one more, not one each.
  function refresh() {
    var block = document.querySelector(target);
    if (!window.htmx || !block) { return; }
    if (busy) { again = true; return; }
    // Someone is choosing a status in the list: reload once they leave it, not under them.
    var active = document.activeElement;
    if (active && active.tagName === "SELECT" && block.contains(active)) {
      active.addEventListener("blur", refresh, { once: true });
      return;
    }
    busy = true;
    window.htmx.ajax("GET", refreshUrl, { target: target, swap: "outerHTML" }).then(done, done);
  }
  function done() {
    busy = false;
    if (again) { again = false; refresh(); return; }
    if (target === "#board") { scheduleTurn(); }
  }

  function onMessage(event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (error) { data = {}; }
    if (data.type === "closed" && target === "#roster") {
      // The session was closed elsewhere: the scan form must go, so take the whole page.
      window.location.reload();
      return;
    }
    refresh();
  }

  function connect() {
    if (!window.EventSource) { return; }
    source = new window.EventSource(streamUrl);
    source.addEventListener("ready", function () {
      setState("open");
      retryMs = 1000;
      if (hadError) { hadError = false; refresh(); }
    });
    source.onmessage = onMessage;
    source.onerror = function () {
      hadError = true;
      setState("reconnecting");
      if (source.readyState === window.EventSource.CLOSED) {
        // The browser gave up (an error page, a lost session): try again, more slowly each time.
        source = null;
        window.setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 60000);
      }
    };
  }
  connect();
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });

  // Projector: reload the board when the code turns (the board says how many seconds are left).
  var turnTimer = null;
  function scheduleTurn() {
    var board = document.querySelector("#board[data-seconds-left]");
    if (!board) { return; }
    var seconds = parseInt(board.getAttribute("data-seconds-left"), 10);
    if (!(seconds > 0)) { seconds = 30; }
    window.clearTimeout(turnTimer);
    turnTimer = window.setTimeout(refresh, seconds * 1000 + 500);
  }
  if (target === "#board") {
    scheduleTurn();
    document.addEventListener("htmx:afterSettle", scheduleTurn);
  }

  // Full screen on request (a click, as browsers require).
  var fullscreen = document.querySelector("[data-fullscreen]");
  if (fullscreen && document.documentElement.requestFullscreen) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () {});
    });
  }
})();
