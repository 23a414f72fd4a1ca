import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** One file the wizard page loads, ready to serve. */
export interface WizardAsset {
  body: string;
  contentType: string;
  /** A strong ETag from the content's hash. */
  etag: string;
}

/** The web wizard's script and stylesheet, built from `web/` in memory. */
export interface WizardAssets {
  script: WizardAsset;
  style: WizardAsset;
}

const web = new URL("../../web/", import.meta.url);

/**
 * Builds the web wizard from its TypeScript sources in `web/`, in memory: nothing is
 * written to disk and users run no build command. Pass the result to `createWaymark`'s
 * `wizard` option. Takes some tens of milliseconds, once per process.
 *
 * @example
 * const waymark = createWaymark({ flows, store, wizard: await loadWizard() });
 */
export async function loadWizard(): Promise<WizardAssets> {
  // Loaded here only: servers without the wizard never load the bundler.
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
  const style = await readFile(new URL("styles.css", web), "utf8");
  return {
    script: asset(script, "text/javascript; charset=utf-8"),
    style: asset(style, "text/css; charset=utf-8"),
  };
}

function asset(body: string, contentType: string): WizardAsset {
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 22);
  return { body, contentType, etag: `"${hash}"` };
}
