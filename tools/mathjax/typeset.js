// Typeset TeX with MathJax for site_src/site/mathjax.py, at build time (no MathJax in the pages).
// stdin:  {"fontURL": "../../assets/mathjax/woff-v2", "math": [{"tex": "x^2", "display": false}, ...]}
// stdout: {"html": ["<mjx-container …>", ...], "css": "…", "errors": [[index, "message"], ...]}
// The CSS covers exactly the characters of this call's formulas (MathJax's adaptive CSS),
// so a page carries styles for its own math only.
const fs = require("fs");

const request = JSON.parse(fs.readFileSync(0, "utf8"));
require("mathjax").init({
  loader: { load: ["input/tex", "output/chtml", "adaptors/liteDOM", "a11y/assistive-mml"] },
  // An undefined macro or a syntax error is an error the build reports, not red text on the page.
  tex: { packages: { "[-]": ["noundefined", "noerrors"] }, formatError: (jax, error) => { throw error; } },
  chtml: { fontURL: request.fontURL },
  startup: { typeset: false },
}).then((MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  const result = { html: [], css: "", errors: [] };
  request.math.forEach((item, index) => {
    try {
      result.html.push(adaptor.outerHTML(MathJax.tex2chtml(item.tex, { display: item.display })));
    } catch (error) {
      result.html.push("");
      result.errors.push([index, String(error.message || error)]);
    }
  });
  result.css = adaptor.textContent(MathJax.chtmlStylesheet());
  process.stdout.write(JSON.stringify(result));
}).catch((error) => {
  process.stderr.write(`MathJax failed to start: ${error.stack || error}\n`);
  process.exit(1);
});
