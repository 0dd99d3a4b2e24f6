// lab: the signature pad of the sign-in sheet. A finger, a pen or a mouse draws on the <canvas>
// (pointer events); on submit the drawing goes in the hidden "signature" field as a PNG data URL.
// The server decides whether it is blank. Without this file the pad stays hidden, and the
// "confirm without drawing" box is the way to sign.
(function () {
  "use strict";
  var INK = "#10204a";

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var input = pad.querySelector("[data-signature-input]");
    var clear = pad.querySelector("[data-signature-clear]");
    var status = pad.querySelector("[data-signature-status]");
    var form = pad.closest("form");
    if (!canvas || !canvas.getContext || !input || !form || !window.PointerEvent) { return; }
    var context = canvas.getContext("2d");
    var last = null;

    function say(message) { if (status && message) { status.textContent = message; } }

    function paper() {
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.lineWidth = 6;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = INK;
      context.fillStyle = INK;
    }

    // Pointer position in the canvas' own pixels, whatever size CSS gives it on screen.
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * canvas.width / box.width,
        y: (event.clientY - box.top) * canvas.height / box.height
      };
    }

    function dot(p) {
      context.beginPath();
      context.arc(p.x, p.y, context.lineWidth / 2, 0, Math.PI * 2);
      context.fill();
    }

    function lineTo(p) {
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(p.x, p.y);
      context.stroke();
      last = p;
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse" && event.button !== 0) { return; }
      event.preventDefault();
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
      last = point(event);
      dot(last);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) { return; }
      event.preventDefault();
      // A pen sends more points than frames: use them all for a smooth line.
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!events.length) { events = [event]; }
      events.forEach(function (item) { lineTo(point(item)); });
    });
    function end() {
      if (!last) { return; }
      last = null;
      say(pad.getAttribute("data-drawn"));
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    clear.addEventListener("click", function () {
      paper();
      input.value = "";
      say(pad.getAttribute("data-cleared"));
    });
    form.addEventListener("submit", function () {
      input.value = canvas.toDataURL("image/png");
    });

    paper();
    canvas.hidden = false;
    clear.hidden = false;
    pad.querySelectorAll("[data-signature-hint]").forEach(function (el) { el.hidden = false; });
    pad.querySelectorAll("[data-signature-nojs]").forEach(function (el) { el.hidden = true; });
  }

  function start() { document.querySelectorAll("[data-signature-pad]").forEach(setUp); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
