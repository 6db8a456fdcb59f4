// The light/dark toggle in the header, in place of Material's palette component (the site's
// partials/palette.html says why). The scheme a page opens with is set before the page is
// styled (partials/javascripts/palette.html); this script follows the reader's toggle: it sets
// the body's colour attributes, saves the choice as Material does (so the next page, in either
// script, opens in it), shows the button for the next palette, and keeps the color-scheme and
// theme-color metas in step. Without a saved choice, the page follows the system's setting live.
(function () {
  "use strict";

  var form = document.querySelector("[data-course-palette]");
  if (!form) return;
  var inputs = Array.from(form.querySelectorAll("input"));
  var KEYS = ["media", "scheme", "primary", "accent"];

  function meta(name) {
    var element = document.head.querySelector('meta[name="' + name + '"]');
    if (!element) {
      element = document.createElement("meta");
      element.name = name;
      document.head.appendChild(element);
    }
    return element;
  }

  // The header's background, for the phone's address bar; read when the page is idle, as the
  // style is then up to date (reading it while the page loads would make the browser restyle it).
  function updateThemeColor() {
    var header = document.querySelector(".md-header");
    if (!header) return;
    var rgb = getComputedStyle(header).backgroundColor.match(/\d+/g) || [];
    meta("theme-color").content = "#" + rgb.slice(0, 3).map(function (c) {
      return (+c).toString(16).padStart(2, "0");
    }).join("");
  }

  function apply(index) {
    var chosen = inputs[index];
    // Material's CSS turns transitions off while this attribute is set, so that the page
    // switches colour at once instead of fading every element.
    document.body.setAttribute("data-md-color-switching", "");
    KEYS.forEach(function (key) {
      document.body.setAttribute("data-md-color-" + key, chosen.getAttribute("data-md-color-" + key));
    });
    meta("color-scheme").content = chosen.dataset.mdColorScheme === "slate" ? "dark" : "light";
    chosen.checked = true;
    inputs.forEach(function (input, i) {
      var label = input.nextElementSibling;
      if (label && label.tagName === "LABEL") label.hidden = i !== index;
    });
    requestAnimationFrame(function () {
      document.body.removeAttribute("data-md-color-switching");
      updateThemeColor();
    });
  }

  function save(index) {
    var color = {};
    KEYS.forEach(function (key) { color[key] = inputs[index].getAttribute("data-md-color-" + key); });
    __md_set("__palette", { index: index, color: color });
  }

  inputs.forEach(function (input, index) {
    input.addEventListener("change", function () {
      if (!input.checked) return;
      apply(index);
      save(index);
    });
  });

  // Enter on the focused toggle switches to the next palette, as in Material.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var next = (inputs.findIndex(function (input) { return input.checked; }) + 1) % inputs.length;
    inputs[next].click();
    inputs[next].focus();
  });

  // No saved choice: follow the system when its setting changes while the page is open.
  inputs.forEach(function (input, index) {
    var query = matchMedia(input.dataset.mdColorMedia);
    query.addEventListener("change", function () {
      if (query.matches && !__md_get("__palette")) apply(index);
    });
  });

  if ("requestIdleCallback" in window) requestIdleCallback(updateThemeColor);
  else window.addEventListener("load", updateThemeColor);
})();
