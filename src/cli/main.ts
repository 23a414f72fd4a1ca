import closeWithGrace from "close-with-grace";
import { Command } from "commander";
import pino from "pino";
import { createWaymark, type Waymark } from "../http/app.ts";
import { loadWizard } from "../http/wizard-assets.ts";
import { startServer } from "../server.ts";
import { openStore, redact } from "../store/open.ts";
import { generateKeyEntry } from "../token/jwe.ts";
import { createTokenMode } from "../token/mode.ts";
import { type ConfigFlags, resolveConfig } from "./config.ts";
import { loadFlows } from "./load-flows.ts";
import { resolveKeyring } from "./token-keys.ts";

const program = new Command("waymark").description(
  "Multi-step flows on servers that keep no per-client memory",
);

program
  .command("serve")
  .description("serve the flows of a file over HTTP")
  .requiredOption("--flows <file>", "a TypeScript or JavaScript file exporting flow definitions")
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .option("--port <n>", "port to listen on (env PORT)")
  .option("--host <host>", "address to listen on (env HOST)")
  .option("--max-body-bytes <n>", "largest request body (env WAYMARK_MAX_BODY_BYTES)")
  .option(
    "--require-if-match",
    "answer 428 to step writes without If-Match (env WAYMARK_REQUIRE_IF_MATCH)",
  )
  .option("--log-level <level>", "pino level, or silent (env LOG_LEVEL)")
  // Both spellings, so that neither sets a default that would hide WAYMARK_WIZARD.
  .option("--wizard", "serve the web wizard at / (the default; env WAYMARK_WIZARD)")
  .option("--no-wizard", "serve the API only")
  .action(async (flags: ConfigFlags & { flows: string }) => {
    const config = resolveConfig(
      ["port", "host", "store", "maxBodyBytes", "requireIfMatch", "wizard", "logLevel"],
      flags,
    );
    const logger = pino({ level: config.logLevel });
    const flows = await loadFlows(flags.flows);
    const wizard = config.wizard ? await loadWizard() : undefined;
    const keeping =
      config.store === "token"
        ? {
            tokens: createTokenMode({
              keyring: resolveKeyring({
                spec: process.env.WAYMARK_TOKEN_KEYS,
                production: process.env.NODE_ENV === "production",
                notice: (message) => logger.warn(message),
              }),
            }),
          }
        : { store: await openStore(config.store) };
    const { store } = keeping;
    let waymark: Waymark;
    try {
      waymark = createWaymark({
        flows,
        ...keeping,
        logger,
        maxBodyBytes: config.maxBodyBytes,
        requireIfMatch: config.requireIfMatch,
        ...(wizard ? { wizard } : {}),
      });
    } catch (error) {
      await store?.close();
      throw new Error(`cannot serve flows from ${flags.flows}: ${(error as Error).message}`);
    }
    const server = await startServer({
      waymark,
      store,
      port: config.port,
      host: config.host,
      logger,
    });
    logger.info(
      { url: server.url, store: redact(config.store), flows: flows.map((flow) => flow.name) },
      "waymark listening",
    );
    closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
      if (err) logger.error({ err: err.name }, "shutting down after an error");
      else logger.info({ signal }, "shutting down");
      await server.close();
    });
  });

program
  .command("keygen")
  .description("print a new token key for WAYMARK_TOKEN_KEYS")
  .option("--kid <id>", "the key id", new Date().toISOString().slice(0, 10))
  .action((flags: { kid: string }) => {
    process.stdout.write(`${generateKeyEntry(flags.kid)}\n`);
  });

program
  .command("inspect")
  .description("print a flow's stored record as JSON (it includes the step data)")
  .argument("<flowId>", "the flow id")
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .action(async (flowId: string, flags: ConfigFlags) => {
    const store = await openStore(resolveConfig(["store"], flags).store, { mustExist: true });
    try {
      const record = await store.load(flowId);
      if (!record) {
        process.stderr.write(`no flow with id ${flowId}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    } finally {
      await store.close();
    }
  });

program
  .command("purge")
  .description("delete every expired flow now")
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .action(async (flags: ConfigFlags) => {
    const store = await openStore(resolveConfig(["store"], flags).store, { mustExist: true });
    try {
      const purged = await store.purgeExpired(new Date());
      process.stdout.write(`purged ${purged} expired flow${purged === 1 ? "" : "s"}\n`);
    } finally {
      await store.close();
    }
  });

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`waymark: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
