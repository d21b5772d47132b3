// Behaviour shared by every page. No inline scripts or handlers anywhere: the
// Content-Security-Policy allows scripts from our own static files only.
(function () {
  "use strict";

  // The header's language switch applies as soon as a language is picked
  // (the form's own button, inside <noscript>, does it without this file).
  var languageSwitch = document.getElementById("lang-switch");
  if (languageSwitch) {
    languageSwitch.addEventListener("change", function () { languageSwitch.form.submit(); });
  }
})();
