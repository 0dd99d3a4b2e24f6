// lab: the loans desk and calendar links. Every page works without this file.
(function () {
  "use strict";
  // A USB scanner types the code and presses Enter. In the first field of a two-scan form,
  // Enter moves on to the next field instead of sending the form half filled.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.getAttribute) { return; }
    var next = field.getAttribute("data-next");
    if (!next || !field.value) { return; }
    var target = document.getElementById(next);
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });
  // A read-only link selects itself, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) {
      event.target.select();
    }
  });
  // "Copy" buttons are hidden unless the browser can copy (secure context).
  function showCopyButtons(root) {
    if (!navigator.clipboard) { return; }
    root.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.value).then(function () {
        button.setAttribute("aria-pressed", "true");
      });
    }
  });
  // After an htmx swap on the desk, put the cursor back where the next scan goes.
  function focusAutofocus(root) {
    var field = root.querySelector("[autofocus]");
    if (field && !root.querySelector("[aria-invalid='true']")) { field.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    showCopyButtons(event.target);
    focusAutofocus(event.target);
  });
})();
