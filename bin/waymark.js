#!/usr/bin/env node
// An installed package runs the JavaScript built into dist/ when it was packed. A checkout
// of the repository has src/ and no build: it runs the TypeScript sources through tsx,
// with the "waymark-source" export condition, listed first in package.json's exports, so
// that "waymark", "waymark/store/sqlite", … resolve to src/*.ts here as they do for tsc
// (customConditions) and vitest (ssr.resolve.conditions); without it they resolve to
// dist/. Zod 4 does the same with its "@zod/source" condition. The condition comes from a
// module hook rather than a `node --conditions` flag so that every way of starting this
// file gets it.
import { existsSync } from "node:fs";
import { register } from "node:module";

const source = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(source)) {
  register("./source-condition.js", import.meta.url);
  const tsx = await import("tsx/esm/api");
  tsx.register();
  await import(source.href);
} else {
  await import("../dist/cli/main.js");
}
