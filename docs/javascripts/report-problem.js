// "Report a problem with this page" (site_src/site/feedback.py): on click, the new issue's body
// says which section the reader was at: the page's #anchor (a link they followed), else the heading
// just above the top of the window, else the last heading they scrolled down past before turning back
// up to the link (the link sits under the title), else "top of the page".
// The address is rebuilt from the link's data-* attributes with encodeURIComponent, as
// feedback.py's quote(safe="") builds the href that works without this script.
(function () {
  "use strict";

  var lastSection = "";
  // 0, not window.scrollY: reading the scroll position while the page loads forces the style
  // of the whole page to be computed inside this script (45 ms of lesson 01 in a Chromium trace).
  var lastY = 0;

  function headingAbove() {
    var headings = document.querySelectorAll(".md-content h2[id], .md-content h3[id]");
    var found = "";
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top > 80) break;
      found = headings[i].id;
    }
    return found;
  }

  function remember() {
    var goingDown = window.scrollY > lastY;
    lastY = window.scrollY;
    var heading = goingDown && headingAbove();
    if (heading) lastSection = heading;
  }

  function section(link) {
    var here = decodeURIComponent(location.hash.replace(/^#/, "")) || headingAbove() || lastSection;
    return here ? location.pathname + "#" + here : link.getAttribute("data-top");
  }

  function issueUrl(link) {
    var body = link.getAttribute("data-body").split("{section}").join(section(link));
    return link.getAttribute("data-issues") +
      "?template=" + encodeURIComponent(link.getAttribute("data-template")) +
      "&title=" + encodeURIComponent(link.getAttribute("data-title")) +
      "&body=" + encodeURIComponent(body) +
      "&labels=" + encodeURIComponent(link.getAttribute("data-labels"));
  }

  function update(event) {
    var link = event.target.closest && event.target.closest("a.lesson-report");
    if (link) link.href = issueUrl(link);
  }

  window.addEventListener("scroll", remember, { passive: true });
  // mousedown and keydown too: the address a middle click or "copy link" sees is already the reader's.
  ["click", "mousedown", "keydown", "focusin"].forEach(function (type) { document.addEventListener(type, update, true); });
})();
