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

  // Sign-up: show the expert type only to experts, the organisation name only to organisations.
  var kind = document.querySelector("form.signup #id_kind");
  if (kind) {
    var field = function (id) { var el = document.getElementById(id); return el && el.closest(".field"); };
    var expertType = field("id_expert_type");
    var orgName = field("id_organisation_name");
    var sync = function () {
      if (expertType) { expertType.hidden = kind.value !== "expert"; }
      if (orgName) { orgName.hidden = kind.value === "expert"; }
    };
    kind.addEventListener("change", sync);
    sync();
  }

  // After a failed submit, move focus to the error summary so screen readers announce it.
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
