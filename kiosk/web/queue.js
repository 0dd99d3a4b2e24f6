// lab kiosk: the tablet's queue of check-ins, and the check-in page's answers.
//
// Served as /kiosk/queue.js on every kiosk page. It
// 1. registers the service worker (/kiosk/sw.js), which keeps the anonymous kiosk shell so the
//    check-in page opens even when the network is down;
// 2. keeps check-ins in IndexedDB until the server has answered them for good. A queued item
//    is only {nonce, code, client_at, session_id?, purpose?, leaving?}: the pass's text as
//    read, the scan's id and time, and for a drop-in visit the purpose's code (chosen from the
//    site's purposes, which are in the page) or "leaving". Never a name: names come back in the
//    server's answer and are only shown;
// 3. sends the queue in order, one item at a time, on page load, when the browser says it is
//    online again, and on a timer that backs off (1 s, 2 s, 4 s … 30 s; while the server cannot
//    even be reached, at most 5 s: such a retry costs it nothing, and the queue then empties
//    within seconds of the network's return). An item is dropped only on a definitive answer
//    (2xx, 400, 409, 422); on 5xx, 401, 403, 429, a timeout or a network error it stays;
// 4. on the check-in page, takes over the form: every scan goes through the queue, and the page
//    shows the answer (first name, a choice of sessions or of purposes, a visit already open, a
//    refusal) or "saved, will be sent"; with the network down, the visitor still chooses their
//    purpose, kept with their queued scan.
// The rules (which session, is it too late, is the pass valid) are all on the server.
(function () {
  "use strict";

  var API = "/kiosk/api/checkins";
  var DB_NAME = "lab-kiosk";
  var STORE = "checkins";
  var FIRST_DELAY = 1000;
  var MAX_DELAY = 30000;
  var MAX_DELAY_UNREACHABLE = 5000;
  var TIMEOUT = 10000;
  var ANSWER_MS = 6000;
  var READ_MS = 12000;
  var CHOICE_MS = 30000;

  // ---- The service worker -------------------------------------------------------------------

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk" }).catch(function () {
      // No service worker (private mode, old browser): the kiosk works, only not offline.
    });
  }

  // ---- The store ----------------------------------------------------------------------------

  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = window.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          // Keys are a counter kept outside the records: insertion order is sending order.
          request.result.createObjectStore(STORE, { autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
        request.onblocked = function () { reject(new Error("IndexedDB blocked")); };
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result;
        work(transaction.objectStore(STORE), function (value) { result = value; });
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function enqueue(item) {
    return withStore("readwrite", function (store) { store.add(item); });
  }

  function firstItem() {
    return withStore("readonly", function (store, done) {
      var request = store.openCursor();
      request.onsuccess = function () {
        var cursor = request.result;
        done(cursor ? { key: cursor.key, item: cursor.value } : null);
      };
    });
  }

  // Add fields to the queued scan with this nonce; resolves to false when it is no longer
  // queued (already answered).
  function amend(nonce, fields) {
    return withStore("readwrite", function (store, done) {
      done(false);
      var request = store.openCursor();
      request.onsuccess = function () {
        var cursor = request.result;
        if (!cursor) { return; }
        if (cursor.value.nonce === nonce) {
          var value = cursor.value;
          Object.keys(fields).forEach(function (key) { value[key] = fields[key]; });
          cursor.update(value);
          done(true);
          return;
        }
        cursor["continue"]();
      };
    });
  }

  function remove(key) {
    return withStore("readwrite", function (store) { store["delete"](key); });
  }

  function count() {
    return withStore("readonly", function (store, done) {
      var request = store.count();
      request.onsuccess = function () { done(request.result); };
    });
  }

  // ---- Sending ------------------------------------------------------------------------------

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i += 1) {
      var at = parts[i].indexOf("=");
      if (parts[i].slice(0, at) === name) { return decodeURIComponent(parts[i].slice(at + 1)); }
    }
    return "";
  }

  function csrfToken() {
    // The cookie is the current truth (a page from the offline cache may carry an old token).
    var meta = document.querySelector("meta[name='csrf-token']");
    return cookie("lab_csrf") || (meta ? meta.getAttribute("content") : "") || "";
  }

  function refreshCsrf() {
    // A page answered by the server sets a fresh CSRF cookie if the tablet has none.
    return fetch("/kiosk/checkin", { credentials: "same-origin", cache: "no-store" })
      .then(function () {}, function () {});
  }

  var liveNonce = null;  // the scan of the visitor at the tablet now, on its first try

  // One attempt. Resolves to {kind, status, data}: kind "done" (drop the item), "server"
  // (the server is there but could not say yes or no: back off), "unreachable".
  function send(item) {
    var live = item.nonce === liveNonce;
    liveNonce = null;
    if (navigator.onLine === false) { return Promise.resolve({ kind: "unreachable", status: 0 }); }
    var body = {
      nonce: item.nonce,
      code: item.code,
      client_at: item.client_at,
      sent_at: new Date().toISOString(),
      offline: !live,
      visits: true  // this tablet shows the site's purposes: a drop-in visit may be opened
    };
    if (item.session_id) { body.session_id = item.session_id; }
    if (item.purpose) { body.purpose = item.purpose; }
    if (item.leaving) { body.leaving = true; }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = window.setTimeout(function () { if (controller) { controller.abort(); } }, TIMEOUT);
    return fetch(API, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "content-type": "application/json",
        "accept": "application/json",
        "x-csrftoken": csrfToken()
      },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      window.clearTimeout(timer);
      return response.json().catch(function () { return {}; }).then(function (data) {
        var status = response.status;
        var definitive = (status >= 200 && status < 300) || status === 400 || status === 409 || status === 422;
        if (status === 403) { refreshCsrf(); }
        return { kind: definitive ? "done" : "server", status: status, data: data };
      });
    }, function (error) {
      window.clearTimeout(timer);
      // An abort is our timeout: the server may be there, overloaded. Anything else: no network.
      var timedOut = error && error.name === "AbortError";
      return { kind: timedOut ? "server" : "unreachable", status: 0 };
    });
  }

  var delay = FIRST_DELAY;
  var retryTimer = null;
  var running = false;
  var again = false;
  var listeners = {};  // nonce -> function(answer): the page waiting for that scan's answer

  function tell(nonce, answer) {
    var listener = listeners[nonce];
    if (listener) {
      delete listeners[nonce];
      listener(answer);
    }
  }

  function tellAllSaved() {
    Object.keys(listeners).forEach(function (nonce) { tell(nonce, { kind: "saved" }); });
  }

  function retryLater(kind) {
    var cap = kind === "unreachable" ? MAX_DELAY_UNREACHABLE : MAX_DELAY;
    var wait = Math.min(delay, cap);
    delay = Math.min(delay * 2, MAX_DELAY);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flush, wait);
  }

  function drain() {
    return firstItem().then(function (first) {
      if (!first) { delay = FIRST_DELAY; return null; }
      return send(first.item).then(function (answer) {
        if (answer.kind !== "done") {
          tellAllSaved();
          retryLater(answer.kind);
          return null;
        }
        delay = FIRST_DELAY;
        return remove(first.key).then(function () {
          tell(first.item.nonce, answer);
          showCount();
          return drain();
        });
      });
    });
  }

  // Send what is queued, in order; a call while sending makes the loop look once more.
  function flush() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (running) { again = true; return; }
    running = true;
    again = false;
    drain().catch(function () {
      retryLater("server");
    }).then(function () {
      running = false;
      showCount();
      if (again) { flush(); }
    });
  }

  // ---- The network line at the top of every kiosk page ---------------------------------------

  var network = document.getElementById("kiosk-network");

  function showCount() {
    if (!network) { return; }
    count().then(function (n) {
      network.setAttribute("data-queued", String(n));  // a number only: for tests and styles
      if (!n) { network.textContent = ""; return; }
      var text = n === 1 ? network.getAttribute("data-queued-one")
        : (network.getAttribute("data-queued-many") || "").replace("{n}", String(n));
      network.textContent = text || String(n);
    }, function () {});
  }

  window.addEventListener("online", function () { delay = FIRST_DELAY; flush(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { flush(); }
  });

  // ---- The check-in page --------------------------------------------------------------------

  function newNonce() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    // randomUUID needs a secure context; getRandomValues does not.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function setUpCheckIn(form) {
    var field = document.getElementById("f-code");
    var result = document.getElementById("checkin-result");
    var clearTimer = null;
    var leavingPage = form.getAttribute("data-leaving") === "1";

    function text(name, values) {
      var value = form.getAttribute("data-" + name) || "";
      Object.keys(values || {}).forEach(function (key) { value = value.replace("{" + key + "}", values[key]); });
      return value;
    }

    function element(tag, className, content) {
      var node = document.createElement(tag);
      if (className) { node.className = className; }
      if (content) { node.textContent = content; }
      return node;
    }

    function clearLater(ms) {
      window.clearTimeout(clearTimer);
      clearTimer = window.setTimeout(function () {
        result.textContent = "";
        result.removeAttribute("data-outcome");
        field.focus();
      }, ms);
    }

    function show(outcome, nodes, ms) {
      result.textContent = "";
      result.setAttribute("data-outcome", outcome);
      nodes.forEach(function (node) { result.appendChild(node); });
      if (ms) { clearLater(ms); } else { window.clearTimeout(clearTimer); }
    }

    function box(kind, lines) {
      var alert = element("div", "alert checkin-answer alert-" + kind);
      lines.forEach(function (line, index) {
        alert.appendChild(element("p", index === 0 ? "checkin-big" : "", line));
      });
      return alert;
    }

    function purposeTiles(onChoose) {
      var source = document.getElementById("purpose-tiles");
      var list = source ? source.content.firstElementChild.cloneNode(true) : element("ul");
      Array.prototype.forEach.call(list.querySelectorAll("button[data-purpose]"), function (button) {
        button.addEventListener("click", function () { onChoose(button.getAttribute("data-purpose")); });
      });
      return list;
    }

    function choosePurpose(title, onChoose, outcome, before) {
      var list = purposeTiles(onChoose);
      show(outcome || "purpose", (before || []).concat([element("p", "checkin-big", title), list]), CHOICE_MS);
      var firstButton = list.querySelector("button");
      if (firstButton) { firstButton.focus(); }
    }

    function answer(code, clientAt, item) {
      return function (reply) {
        if (reply.kind === "saved") {
          if (item && item.leaving) {
            show("saved", [box("warn", [text("leaving-saved"), text("saved")])], ANSWER_MS);
            return;
          }
          if (item && !item.purpose && !item.session_id) {
            // The network is down: the visitor still says why they came, kept with their scan
            // (if it has a session or a booking, the server will prefer that).
            choosePurpose(text("purpose-saved"), function (purpose) {
              amend(item.nonce, { purpose: purpose }).then(function (queuedStill) {
                if (queuedStill) {
                  show("saved", [box("warn", [text("saved")])], ANSWER_MS);
                  return null;
                }
                return checkIn(code, null, clientAt, { purpose: purpose });
              });
            }, "saved", [box("warn", [text("saved")])]);
            return;
          }
          show("saved", [box("warn", [text("saved")])], ANSWER_MS);
          return;
        }
        var data = reply.data || {};
        var ok = reply.status >= 200 && reply.status < 300;
        if (ok && data.outcome === "purpose") {
          choosePurpose(text("purpose", { name: data.first_name || "" }), function (purpose) {
            checkIn(code, null, clientAt, { purpose: purpose });
          });
          return;
        }
        if (ok && data.outcome === "visit_open") {
          var actions = element("p", "actions checkin-actions");
          var leave = element("button", "kbutton primary big", text("leave"));
          leave.type = "button";
          leave.setAttribute("data-leave", "");
          leave.addEventListener("click", function () { checkIn(code, null, null, { leaving: true }); });
          var stay = element("button", "kbutton secondary big", text("stay"));
          stay.type = "button";
          stay.addEventListener("click", function () { clearLater(0); });
          actions.appendChild(leave);
          actions.appendChild(stay);
          show("visit_open", [box("ok", [text("visit-open", { name: data.first_name || "", since: data.since || "" })]), actions], CHOICE_MS);
          leave.focus();
          return;
        }
        if (ok && data.outcome === "left") {
          show("left", [box("ok", [text("left", { name: data.first_name || "" })])], ANSWER_MS);
          field.focus();
          return;
        }
        if (ok && data.kind === "visit") {
          show(data.outcome, [box("ok", [text("visit-welcome", { name: data.first_name || "" }), data.title || ""])], ANSWER_MS);
          field.focus();
          return;
        }
        if (reply.status >= 200 && reply.status < 300 && data.outcome === "choose") {
          var list = element("ul", "checkin-choices");
          (data.choices || []).forEach(function (choice) {
            var item = element("li");
            var button = element("button", "kbutton primary big", choice.title + " · " + choice.time);
            button.type = "button";
            button.setAttribute("data-session", String(choice.session_id));
            button.addEventListener("click", function () { checkIn(code, choice.session_id, clientAt); });
            item.appendChild(button);
            list.appendChild(item);
          });
          show("choose", [element("p", "checkin-big", text("choose", { name: data.first_name || "" })), list], CHOICE_MS);
          var firstButton = list.querySelector("button");
          if (firstButton) { firstButton.focus(); }
          return;
        }
        if (reply.status >= 200 && reply.status < 300) {
          var line = text(data.outcome === "duplicate" ? "already" : "arrived", { title: data.title || "" });
          show(data.outcome, [box("ok", [text("welcome", { name: data.first_name || "" }), line])], ANSWER_MS);
          field.focus();
          return;
        }
        // A refused visitor is told their next appointment here, when they have one: time
        // to read it.
        var refusal = box("error", [data.message || text("failed")]);
        if (data.next_appointment) {
          refusal.appendChild(element("p", "next-appointment", data.next_appointment));
        }
        show("refused", [refusal], data.next_appointment ? READ_MS : ANSWER_MS);
        field.focus();
      };
    }

    function checkIn(code, sessionId, clientAt, extra) {
      var item = { nonce: newNonce(), code: code, client_at: clientAt || new Date().toISOString() };
      if (sessionId) { item.session_id = sessionId; }
      if (extra && extra.purpose) { item.purpose = extra.purpose; }
      if ((extra && extra.leaving) || (!extra && leavingPage)) { item.leaving = true; }
      show("sending", [element("p", "checkin-sending", text("sending"))], 0);
      liveNonce = item.nonce;
      listeners[item.nonce] = answer(code, item.client_at, item);
      return enqueue(item).then(function () {
        showCount();
        flush();
      });
    }

    form.addEventListener("submit", function (event) {
      var code = field.value.trim();
      event.preventDefault();
      if (!code) { field.focus(); return; }
      field.value = "";
      field.focus();
      checkIn(code).catch(function () {
        // No IndexedDB here (private mode, storage full): post the form as without JavaScript.
        field.value = code;
        form.submit();
      });
    });

    // A scanner types wherever the focus is: bring stray keystrokes back to the field.
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
      if (!typing && event.key && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
        field.focus();
      }
    }, true);
  }

  var checkinForm = document.querySelector("form[data-kiosk-checkin]");
  if (checkinForm) { setUpCheckIn(checkinForm); }

  showCount();
  flush();
})();
