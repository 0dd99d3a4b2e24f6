// lab: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Move focus to the first field in error after a form comes back with errors,
  // so keyboard and screen-reader users land where they need to act.
  function focusFirstError(root) {
    var field = (root || document).querySelector("[aria-invalid='true']");
    if (field) { field.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (event) {
    focusFirstError(event.target);
  });
  // Planning grids wider than the screen scroll sideways: show the hint above them, and tell
  // the CSS on which side columns are hidden (it shades that edge).
  function markScroll(frame) {
    var box = frame.querySelector(".grid-scroll");
    var hint = frame.previousElementSibling;
    if (!box) { return; }
    function update() {
      var hidden = box.scrollWidth - box.clientWidth;
      frame.classList.toggle("more-left", box.scrollLeft > 1);
      frame.classList.toggle("more-right", box.scrollLeft < hidden - 1);
      if (hint && hint.classList.contains("grid-hint")) { hint.hidden = hidden <= 1; }
    }
    box.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".grid-frame"), markScroll);
  });
  // Buttons that ask before doing something that cannot be undone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  // "Copy the link" of a badge (/me/badges): the clipboard when the browser allows it, else a
  // selection copied the old way; no network either way. The buttons stay hidden without this
  // file (the address is there to select by hand), and get their look only when shown.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return copyBySelection(text); });
    }
    return Promise.resolve(copyBySelection(text));
  }
  function copyBySelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("copy-status");
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
      button.classList.add("button");
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(button.getAttribute("data-copy")).then(function (done) {
          if (status) { status.textContent = status.getAttribute(done ? "data-done" : "data-failed"); }
        });
      });
    });
  });
})();
