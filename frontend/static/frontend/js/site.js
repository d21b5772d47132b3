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

  // Narrow screens: the header menu folds behind a toggle button. Without this file the
  // button stays hidden and the menu is shown in full (CSS keys on the js-menu class).
  var header = document.querySelector("header.site");
  var toggle = header && header.querySelector(".menu-toggle");
  if (header && toggle) {
    header.classList.add("js-menu");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        header.classList.remove("menu-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }
})();

// "Print this page" buttons (bureau dashboard): shown only where JavaScript can print.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
