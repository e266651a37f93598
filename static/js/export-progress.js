// The dossier export page: while the worker builds, fetch this same page every two seconds and copy its
// state, progress and result in place. Replaces <meta http-equiv="refresh">, which reloaded the whole page
// (focus and scroll lost, WCAG 2.2.1). Without JavaScript the "Nu verversen" link does the same by hand.
(function () {
  var box = document.getElementById("export");
  if (!box || !box.hasAttribute("data-running") || !window.fetch || !window.DOMParser) {
    return;
  }
  var INTERVAL = 2000;
  var LIMIT = 20 * 60 * 1000; // stop polling after 20 minutes; the link still works
  var started = Date.now();

  function copy(id, fresh) {
    var from = fresh.getElementById(id);
    var to = document.getElementById(id);
    if (from && to) {
      to.replaceWith(document.importNode(from, true));
    }
  }

  function poll() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var state = fresh.getElementById("export-state");
        var live = document.getElementById("export-state");
        if (state && live && live.textContent !== state.textContent) {
          live.textContent = state.textContent; // the status region announces the change
        }
        var progress = fresh.getElementById("export-progress");
        var bar = document.getElementById("export-progress");
        if (progress && bar) {
          bar.value = Number(progress.getAttribute("value"));
          bar.textContent = progress.textContent;
        }
        copy("export-percent", fresh);
        var freshBox = fresh.getElementById("export");
        if (freshBox && !freshBox.hasAttribute("data-running")) {
          copy("export-result", fresh);
          box.removeAttribute("data-running");
          return;
        }
        schedule();
      })
      .catch(schedule);
  }

  function schedule() {
    if (Date.now() - started < LIMIT) {
      window.setTimeout(poll, INTERVAL);
    }
  }

  schedule();
})();
