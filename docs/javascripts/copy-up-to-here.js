// "Copy all code up to here": a button beside Material's copy button on every lesson code
// block. It copies the lesson's code from its first block through this one, as one script
// that plain `python` runs. The page carries each block already written the way python
// must run it (site_src/site/render.py, copy_data): must-raise blocks inside try/except, GPU
// blocks behind `if torch.cuda.is_available():`, shown-only blocks commented out.
(function () {
  "use strict";

  function pageData() {
    var element = document.getElementById("lesson-code");
    return element ? JSON.parse(element.textContent) : null;
  }

  // The same join as render.copy_script in Python (the tests compare the two).
  function scriptUpTo(data, index) {
    var blocks = Object.keys(data.blocks).map(Number)
      .filter(function (key) { return key <= index; })
      .sort(function (a, b) { return a - b; })
      .map(function (key) { return data.blocks[key]; });
    return data.header + "\n\n" + blocks.join("\n\n") + "\n";
  }

  function addButton(nav, data) {
    var block = nav.closest("[data-lesson-block]");
    // a bar that accessibility.js has just swapped for a group is no longer in the page
    if (!block || !nav.isConnected || nav.querySelector(".lesson-copy-upto")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "md-code__button lesson-copy-upto";
    button.setAttribute("data-md-type", "copy-upto");
    button.title = data.label;
    button.setAttribute("aria-label", data.label);
    button.addEventListener("click", function () {
      var script = scriptUpTo(data, Number(block.getAttribute("data-lesson-block")));
      navigator.clipboard.writeText(script).then(function () {
        button.title = data.copied;
        button.classList.add("md-code__button--active");
        setTimeout(function () {
          button.title = data.label;
          button.classList.remove("md-code__button--active");
        }, 1500);
      });
    });
    nav.insertBefore(button, nav.firstChild);
  }

  // Material adds its own buttons to a block when it comes into view; ours go in beside them.
  var data = pageData();
  if (data) {
    window.onCodeButtons(function (nav) { addButton(nav, data); });
  }
})();
