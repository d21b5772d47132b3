// Progressive enhancement for forms; every form works without this file.
(function () {
  "use strict";

  // "Select all / Clear" buttons for checkbox groups marked data-select-all
  // (e.g. the prefectures of one region on the expert profile).
  document.querySelectorAll("fieldset[data-select-all]").forEach(function (group) {
    var boxes = group.querySelectorAll('input[type="checkbox"]');
    var bar = document.createElement("div");
    bar.className = "group-actions";
    [[group.dataset.selectAllLabel, true], [group.dataset.clearLabel, false]].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = pair[0];
      button.setAttribute("aria-label", pair[0] + ": " + group.querySelector("legend").textContent);
      button.addEventListener("click", function () {
        boxes.forEach(function (box) { box.checked = pair[1]; });
      });
      bar.appendChild(button);
    });
    group.querySelector("legend").after(bar);
  });

  // After a failed submit, move focus to the error summary so screen readers announce it.
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
