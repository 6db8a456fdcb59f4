// Accessibility repairs of markup that Material's JavaScript creates, where no template
// override can reach it (the rest is fixed in site_src/site/overrides and lessons.css; the
// browser tests run axe-core on every kind of page).
(function () {
  "use strict";

  var LABELS = { zh: "代码块操作", en: "Code block actions" };

  // Material puts each code block's buttons (copy, and our "copy up to here") in a <nav>:
  // one unnamed navigation landmark per code block (axe: landmark-unique), which screen
  // readers list among the page's real navigation. They are a group of buttons: the same
  // element as a <div role="group">, with the buttons (and their listeners) moved over.
  function regroupCodeButtons(nav) {
    if (nav.tagName !== "NAV" || !nav.isConnected) return;
    var label = LABELS[(document.documentElement.lang || "en").slice(0, 2)] || LABELS.en;
    var group = document.createElement("div");
    group.className = nav.className;
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", label);
    while (nav.firstChild) group.appendChild(nav.firstChild);
    nav.replaceWith(group);
  }

  // Material adds a block's buttons when the block comes into view (code-blocks.js).
  window.onCodeButtons(regroupCodeButtons);
})();
