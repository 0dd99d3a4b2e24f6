// lab: scanning a pass, wherever a page asks for one (the roster, the kiosk's check-in and its
// "my card and my code"). Every page works without this file: a USB or Bluetooth scanner types
// into the focused field and presses Enter, and the form is sent.
//
// 1. After each check-in on the roster, the cursor goes back to the scan field.
// 2. The camera (tablet or laptop): frames are drawn on a canvas and read by jsQR (loaded only
//    when the camera is turned on). The camera needs a secure context (https or localhost);
//    without one, or without a camera, the page says so and the field stays.
//    The panel (#camera) names the pass field (data-field, default f-code) and its form
//    (data-form, default scan-form). A pass read is put in the field and the form is sent; with
//    data-next-field (the PIN, which the visitor still has to type), the camera is turned off
//    and that field comes next instead, as it does after a scanner's Enter.
(function () {
  "use strict";

  var panel = document.getElementById("camera");
  var fieldId = (panel && panel.getAttribute("data-field")) || "f-code";
  var formId = (panel && panel.getAttribute("data-form")) || "scan-form";
  var nextId = panel && panel.getAttribute("data-next-field");

  function scanField() { return document.getElementById(fieldId); }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "live") { return; }
    var active = document.activeElement;
    // htmx keeps focus on a field with the same id (a row's status list): leave it there.
    if (active && active !== document.body && document.getElementById("live").contains(active)) { return; }
    var field = scanField();
    if (field && !document.querySelector("#live [aria-invalid='true']")) { field.focus(); }
  });

  if (!panel) { return; }
  panel.hidden = false;
  var message = document.getElementById("camera-message");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var video = document.getElementById("camera-video");
  var canvas = document.createElement("canvas");
  var stream = null;
  var timer = null;
  var lastText = "";
  var lastAt = 0;

  function say(key) { message.textContent = panel.getAttribute(key) || ""; }

  function loadDecoder(then) {
    if (window.jsQR) { then(); return; }
    var script = document.createElement("script");
    script.src = panel.getAttribute("data-jsqr");
    script.onload = then;
    script.onerror = function () { say("data-no-camera"); stop(); };
    document.head.appendChild(script);
  }

  function send(text) {
    var now = Date.now();
    // The same card stays in front of the camera for a while: send it once.
    if (text === lastText && now - lastAt < 4000) { return; }
    lastText = text;
    lastAt = now;
    var field = scanField();
    var form = document.getElementById(formId);
    if (!field || !form) { return; }
    field.value = text;
    if (nextId) {
      stop();
      say("data-read");
      goNext();
      return;
    }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function goNext() {
    var next = document.getElementById(nextId);
    if (next) { next.focus(); }
  }

  function readFrame() {
    if (!stream) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      // Frames near 640 px wide: jsQR reads them in a few tens of milliseconds.
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) { send(found.data); }
    }
    timer = window.setTimeout(readFrame, 150);
  }

  function stop() {
    window.clearTimeout(timer);
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    video.srcObject = null;
    stopButton.hidden = true;
    startButton.hidden = false;
    panel.setAttribute("data-camera", "off");
  }

  function start() {
    if (!window.isSecureContext) { say("data-insecure"); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("data-no-camera"); return; }
    navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      startButton.hidden = true;
      stopButton.hidden = false;
      panel.setAttribute("data-camera", "on");
      say("data-reading");
      video.play().catch(function () {});
      loadDecoder(readFrame);
    }).catch(function (error) {
      var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      say(denied ? "data-denied" : "data-no-camera");
    });
  }

  // A scanner's Enter after the pass: on to the PIN rather than sending the form without it.
  if (nextId && scanField()) {
    scanField().addEventListener("keydown", function (event) {
      var next = document.getElementById(nextId);
      if (event.key === "Enter" && scanField().value.trim() && next && !next.value) {
        event.preventDefault();
        goNext();
      }
    });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", function () { stop(); var field = scanField(); if (field) { field.focus(); } });
  window.addEventListener("pagehide", stop);
  // Say it at once when the camera cannot work here, rather than after a click.
  if (!window.isSecureContext) { say("data-insecure"); startButton.disabled = true; }
  else if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("data-no-camera"); startButton.disabled = true; }
})();
