// Full-report page: poll the export job every second, show its progress, then the download link.
// Without JavaScript the page reloads itself (meta refresh in <noscript>) until the job is finished.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = box.querySelector("progress");
  var state = box.querySelector("[data-job-state]");
  var download = box.querySelector("[data-job-download]");
  var failed = box.querySelector("[data-job-failed]");

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        bar.value = job.progress;
        bar.textContent = job.progress + "%";
        state.textContent = job.state_label;
        if (job.download_url) {
          var link = download.querySelector("a");
          link.href = job.download_url;
          download.hidden = false;
          link.focus();
        }
        failed.hidden = job.state !== "failed";
        if (!job.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });  // network hiccup: slow down, keep trying
  }
  window.setTimeout(poll, 1000);
})();
