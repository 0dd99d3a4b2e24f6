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
})();
