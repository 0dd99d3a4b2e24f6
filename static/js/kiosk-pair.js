// The pairing QR opens /kiosk/pair#code=XXXXXXXX: the code travels in the fragment, which
// browsers never send to the server (nor to its logs). Put it in the field, then drop it
// from the address bar.
(function () {
  "use strict";
  var match = /(?:^|[#&])code=([A-Za-z0-9-]{4,20})/.exec(window.location.hash || "");
  var field = document.getElementById("k-code");
  if (!match || !field) { return; }
  field.value = match[1];
  window.history.replaceState(null, "", window.location.pathname);
  field.focus();
})();
