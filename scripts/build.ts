/**
 * Builds what `npm pack` ships (run by `prepack`): the JavaScript and declarations of
 * `src/` in `dist/`, and the web wizard's prebuilt bundle in `dist/wizard/`, so that
 * installed copies need neither a TypeScript loader nor esbuild. The repository itself
 * never needs this: it runs the sources.
 *
 *   npm run build
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { loadWizard } from "../src/http/wizard-assets.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const started = performance.now();

rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const compiled = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
if (compiled.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  throw new Error("tsc failed: nothing was built");
}

// `rewriteRelativeImportExtensions` rewrites "./x.ts" to "./x.js" in the JavaScript but
// not in the declarations (microsoft/TypeScript#61037). TypeScript 5 accepts either in a
// .d.ts, but other tools and older compilers read only the .js form, so use that.
// TypeScript's own scanner finds the specifiers, so examples in comments are left alone.
for (const file of declarationFiles(dist)) {
  const text = readFileSync(file, "utf8");
  const specifiers = ts
    .preProcessFile(text, true, true)
    .importedFiles.filter(({ fileName }) => /^\.{1,2}\/.*\.[mc]?ts$/.test(fileName))
    .sort((a, b) => b.pos - a.pos);
  let rewritten = text;
  for (const { fileName, pos } of specifiers) {
    // `pos` is the opening quote's offset.
    const start = pos + 1;
    if (rewritten.slice(start, start + fileName.length) !== fileName) {
      throw new Error(`${file}: cannot find ${fileName} to rewrite`);
    }
    const js = fileName.replace(/ts$/, "js");
    rewritten = rewritten.slice(0, start) + js + rewritten.slice(start + fileName.length);
  }
  if (rewritten !== text) writeFileSync(file, rewritten);
}

// The same bundle the repository builds in memory, written where `loadWizard` in
// dist/http/ looks first.
const wizard = await loadWizard();
mkdirSync(join(dist, "wizard"));
writeFileSync(join(dist, "wizard", "wizard.js"), wizard.script.body);
writeFileSync(join(dist, "wizard", "wizard.css"), wizard.style.body);

process.stdout.write(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

function* declarationFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith(".d.ts")) yield path;
  }
}
