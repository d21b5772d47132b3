// While a need's or opportunity's proposals are being computed, ask the API every few
// seconds and reload the page once they are ready (or failed). Without JavaScript the
// page says the same and a manual reload shows the proposals.
(function () {
  "use strict";
  var box = document.querySelector("[data-proposals-poll]");
  if (!box) { return; }
  var url = box.dataset.proposalsPoll;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.recommendations_status !== "pending") {
          window.location.reload();
        } else if (tries < 60) {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { if (tries < 60) { window.setTimeout(poll, 5000); } });
  }
  window.setTimeout(poll, 1500);
})();
