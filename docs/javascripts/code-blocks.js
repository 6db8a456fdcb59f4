// Material sets up a code block's buttons (<nav class="md-code__nav">) when the block first
// comes into view (mkdocs.yml: content.lazy), not all at load. The site's scripts that add to
// or repair those buttons register with onCodeButtons(callback): the callback runs for each
// button bar already on the page and for each one Material adds later. Loaded before them.
(function () {
  "use strict";

  var callbacks = [];

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType !== Node.ELEMENT_NODE || !node.classList.contains("md-code__nav")) return;
        callbacks.forEach(function (callback) { callback(node); });
      });
    });
  }).observe(document.body, { childList: true, subtree: true });

  window.onCodeButtons = function (callback) {
    callbacks.push(callback);
    document.querySelectorAll(".md-code__nav").forEach(callback);
  };
})();
