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
  // Buttons that ask before doing something that cannot be undone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
})();
