// make preview: reload this tab when the preview has rebuilt the site, and show what is
// wrong (a file that cannot be read, a lesson that failed) in a banner above the page.
// The server pushes the build's generation over Server-Sent Events, once on connecting and
// then after each build: the tab waits for it, it does not poll.
(function () {
  "use strict";
  var served = document.currentScript.dataset.generation;
  function showProblems(problems) {
    if (!problems.length) return;
    var box = document.createElement("div");
    box.id = "preview-problems";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:sticky;top:0;z-index:10;margin:0;padding:.8em 1em;max-height:40vh;overflow:auto;" +
      "background:#b71c1c;color:#fff;font:13px/1.45 monospace;white-space:pre-wrap";
    box.textContent = problems.join("\n");
    document.body.prepend(box);
  }
  fetch("/__preview__/state.json", {cache: "no-store"})
    .then(function (response) { return response.json(); })
    .then(function (state) { showProblems(state.problems); });
  var events = new EventSource("/__preview__/events");
  events.onopen = function () { document.documentElement.dataset.preview = "connected"; };
  events.onmessage = function (event) {
    if (event.data !== served) location.reload();
  };
})();
