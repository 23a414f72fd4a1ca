import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type StaticFile, staticFile } from "./static-file.ts";

/** One file the wizard page loads, ready to serve. */
export type WizardAsset = StaticFile;

/** The web wizard's script and stylesheet, ready to serve. */
export interface WizardAssets {
  script: WizardAsset;
  style: WizardAsset;
}

const web = new URL("../../web/", import.meta.url);
/** Where the published package keeps the bundle built at pack time (dist/wizard/). */
const prebuilt = new URL("../wizard/", import.meta.url);

/**
 * The web wizard's script and stylesheet. An installed package reads the bundle built
 * when it was packed; a checkout of the repository builds it from the TypeScript sources
 * in `web/`, in memory, so nothing is written to disk and nobody runs a build command
 * (some tens of milliseconds, once per process). Pass the result to `createWaymark`'s
 * `wizard` option.
 *
 * @example
 * const waymark = createWaymark({ flows, store, wizard: await loadWizard() });
 */
export async function loadWizard(): Promise<WizardAssets> {
  const [script, style] = await readPrebuilt().catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
    return bundleSources();
  });
  return {
    script: staticFile(script, "text/javascript; charset=utf-8"),
    style: staticFile(style, "text/css; charset=utf-8"),
  };
}

function readPrebuilt(): Promise<[string, string]> {
  return Promise.all([
    readFile(new URL("wizard.js", prebuilt), "utf8"),
    readFile(new URL("wizard.css", prebuilt), "utf8"),
  ]);
}

async function bundleSources(): Promise<[string, string]> {
  // Loaded here only: installed copies and servers without the wizard never load it.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [fileURLToPath(new URL("src/main.ts", web))],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2022",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error("the wizard's bundle came out empty");
  return [script, await readFile(new URL("styles.css", web), "utf8")];
}

/** The fields a flow's wizard cannot edit: the list `waymark serve` logs at start-up. */
export {
  type FormDefinition,
  type UnsupportedField,
  unsupportedFields,
} from "../form/unsupported.ts";
