import closeWithGrace from "close-with-grace";
import { Command } from "commander";
import pino from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createWaymark, type Waymark } from "../http/app.ts";
import { createOpenApiDocument } from "../http/openapi.ts";
import { lastForwardedFor } from "../http/rate-limit.ts";
import { loadWizard } from "../http/wizard-assets.ts";
import { startServer } from "../server.ts";
import { openStore, redact } from "../store/open.ts";
import { generateKeyEntry } from "../token/jwe.ts";
import { createTokenMode } from "../token/mode.ts";
import { bounded } from "./bounded.ts";
import { type ConfigFlags, resolveConfig } from "./config.ts";
import {
  type DeliveriesFlags,
  parseLimit,
  type RetryFlags,
  runDeliveries,
  runRetryDeliveries,
} from "./deliveries.ts";
import { runDiff } from "./diff.ts";
import { type FunnelFlags, runFunnel } from "./funnel.ts";
import { type HistoryFlags, runHistory } from "./history.ts";
import { loadFlows } from "./load-flows.ts";
import { type MigrateFlags, parseBatchSize, runMigrate } from "./migrate.ts";
import { resolveKeyring } from "./token-keys.ts";
import { startTracing, TRACE_FLUSH_MS } from "./tracing.ts";

/** How long `waymark serve` gives its shutdown before close-with-grace ends it (exit 1). */
const SHUTDOWN_GRACE_MS = 10_000;
/** How long open connections may drain before they are closed. */
const DRAIN_MS = 5_000;
/** The whole server close: the drain, then the deliverer and the store. */
const SERVER_CLOSE_MS = 6_500;

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
    "--max-header-bytes <n>",
    "largest request line and headers, as sent (env WAYMARK_MAX_HEADER_BYTES)",
  )
  .option("--max-header-count <n>", "most header fields (env WAYMARK_MAX_HEADER_COUNT)")
  .option(
    "--headers-timeout-ms <ms>",
    "time for a request's headers to arrive (env WAYMARK_HEADERS_TIMEOUT_MS)",
  )
  .option(
    "--request-timeout-ms <ms>",
    "time for a whole request, body included, to arrive (env WAYMARK_REQUEST_TIMEOUT_MS)",
  )
  .option(
    "--keep-alive-timeout-ms <ms>",
    "time an idle keep-alive connection stays open (env WAYMARK_KEEP_ALIVE_TIMEOUT_MS)",
  )
  .option(
    "--require-if-match",
    "answer 428 to step writes without If-Match (env WAYMARK_REQUIRE_IF_MATCH)",
  )
  .option(
    "--rate-limit <n/window>",
    "requests per client and window, e.g. 600/1m, or off (env WAYMARK_RATE_LIMIT)",
  )
  .option(
    "--rate-limit-per-flow <n/window>",
    "requests per flow and window from all clients, e.g. 120/1m, or off (the default; env WAYMARK_RATE_LIMIT_PER_FLOW)",
  )
  .option(
    "--rate-limit-by <source>",
    "address, or x-forwarded-for behind a proxy (env WAYMARK_RATE_LIMIT_BY)",
  )
  .option(
    "--cors-origins <list>",
    "origins allowed to call the API, comma-separated, or * (env WAYMARK_CORS_ORIGINS)",
  )
  .option(
    "--webhook-url <urls>",
    "where to POST the flows' events, comma-separated (env WAYMARK_WEBHOOK_URL)",
  )
  .option(
    "--webhook-secret <secrets>",
    "whsec_… signing secret: one, or one per URL (env WAYMARK_WEBHOOK_SECRET)",
  )
  .option(
    "--webhook-timeout-ms <ms>",
    "time a webhook receiver has to answer (env WAYMARK_WEBHOOK_TIMEOUT_MS)",
  )
  .option(
    "--delivery-lease-ms <ms>",
    "how long an instance holds the deliveries it claimed; a dead one's are taken over after it (env WAYMARK_DELIVERY_LEASE_MS)",
  )
  .option(
    "--live-max-streams <n>",
    "most live update streams this instance holds open; 503 beyond (env WAYMARK_LIVE_MAX_STREAMS)",
  )
  .option(
    "--live-heartbeat-ms <ms>",
    "time between two heartbeats on a live update stream (env WAYMARK_LIVE_HEARTBEAT_MS)",
  )
  .option(
    "--live-idle-timeout-ms <ms>",
    "time a live update stream stays open without an event (env WAYMARK_LIVE_IDLE_TIMEOUT_MS)",
  )
  .option("--metrics", "serve Prometheus metrics at /metrics (the default; env WAYMARK_METRICS)")
  .option("--no-metrics", "serve no /metrics")
  .option(
    "--admin-token <token>",
    "turns on /admin and puts /metrics behind it; at least 32 characters (prefer env WAYMARK_ADMIN_TOKEN: a flag shows in ps)",
  )
  .option("--log-level <level>", "pino level, or silent (env LOG_LEVEL)")
  // Both spellings, so that neither sets a default that would hide WAYMARK_WIZARD.
  .option("--wizard", "serve the web wizard at / (the default; env WAYMARK_WIZARD)")
  .option("--no-wizard", "serve the API only")
  .option("--docs", "serve the API's docs at /docs (the default; env WAYMARK_DOCS)")
  .option("--no-docs", "serve no docs page (/openapi.json stays)")
  .action(async (flags: ConfigFlags & { flows: string }) => {
    const config = resolveConfig(
      [
        "port",
        "host",
        "store",
        "maxBodyBytes",
        "maxHeaderBytes",
        "maxHeaderCount",
        "headersTimeoutMs",
        "requestTimeoutMs",
        "keepAliveTimeoutMs",
        "requireIfMatch",
        "wizard",
        "docs",
        "rateLimit",
        "rateLimitPerFlow",
        "rateLimitBy",
        "corsOrigins",
        "webhooks",
        "deliveryLeaseMs",
        "liveMaxStreams",
        "liveHeartbeatMs",
        "liveIdleTimeoutMs",
        "metrics",
        "adminToken",
        "logLevel",
      ],
      flags,
    );
    // Asynchronous: a line is queued, not written by a system call inside the request;
    // pino flushes the queue when the process exits (see README, Performance).
    if (config.headersTimeoutMs > config.requestTimeoutMs) {
      throw new Error(
        `the headers timeout (${config.headersTimeoutMs} ms, --headers-timeout-ms or WAYMARK_HEADERS_TIMEOUT_MS) must not exceed the request timeout (${config.requestTimeoutMs} ms, --request-timeout-ms or WAYMARK_REQUEST_TIMEOUT_MS)`,
      );
    }
    const [endpoint] = config.webhooks;
    if (endpoint?.timeoutMs !== undefined && endpoint.timeoutMs >= config.deliveryLeaseMs) {
      throw new Error(
        `the delivery lease (${config.deliveryLeaseMs} ms, --delivery-lease-ms or WAYMARK_DELIVERY_LEASE_MS) must exceed the webhook timeout (${endpoint.timeoutMs} ms, --webhook-timeout-ms or WAYMARK_WEBHOOK_TIMEOUT_MS)`,
      );
    }
    const logger = pino({ level: config.logLevel }, pino.destination({ sync: false }));
    const flows = await loadFlows(flags.flows);
    // Before anything is opened: a malformed endpoint stops the start-up with nothing to close.
    const tracing = await startTracing(process.env);
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
    // Waymark owns this process: its own registry, with the process's metrics in it.
    const registry = config.metrics ? new Registry() : undefined;
    if (registry) collectDefaultMetrics({ register: registry });
    let waymark: Waymark;
    try {
      waymark = createWaymark({
        flows,
        ...keeping,
        logger,
        maxBodyBytes: config.maxBodyBytes,
        requireIfMatch: config.requireIfMatch,
        ...(wizard ? { wizard } : {}),
        docs: config.docs,
        openapi: { environment: environmentOf(process.env.NODE_ENV) },
        rateLimit: config.rateLimit
          ? {
              ...config.rateLimit,
              key: config.rateLimitBy === "x-forwarded-for" ? lastForwardedFor : undefined,
              perFlow: config.rateLimitPerFlow || undefined,
            }
          : undefined,
        cors: config.corsOrigins.length > 0 ? { origins: config.corsOrigins } : undefined,
        webhooks: config.webhooks,
        liveUpdates: {
          maxStreams: config.liveMaxStreams,
          heartbeatMs: config.liveHeartbeatMs,
          idleTimeoutMs: config.liveIdleTimeoutMs,
        },
        metrics: registry ? { registry } : false,
        adminToken: config.adminToken,
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
      maxHeaderBytes: config.maxHeaderBytes,
      maxHeaderCount: config.maxHeaderCount,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      delivery: { leaseMs: config.deliveryLeaseMs },
    });
    logger.info(
      {
        url: server.url,
        store: redact(config.store),
        flows: flows.map((flow) => flow.name),
        rateLimit: config.rateLimit
          ? `${config.rateLimit.limit}/${config.rateLimit.windowMs / 1000}s by ${config.rateLimitBy}${
              config.rateLimitPerFlow
                ? `, ${config.rateLimitPerFlow.limit}/${config.rateLimitPerFlow.windowMs / 1000}s per flow`
                : ""
            }, counted ${store?.rateLimitCounter ? "in the store" : "in this instance"}`
          : "off",
        corsOrigins: config.corsOrigins,
        // Origins only: a receiver's path or query may carry its own token.
        webhooks: config.webhooks.map(({ url }) => new URL(url).origin),
        metrics: config.metrics
          ? `${server.url}/metrics${config.adminToken ? " (token)" : ""}`
          : "off",
        admin: config.adminToken ? `${server.url}/admin/funnel` : "off",
        tracing: tracing ? `OTLP to ${tracing.origin}` : "off",
      },
      "waymark listening",
    );
    closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
      if (err) logger.error({ err: err.name }, "shutting down after an error");
      else logger.info({ signal }, "shutting down");
      // Each step has its own bound, and the bounds add up to less than the grace
      // period: a step that hangs is logged and skipped, and the process still exits 0.
      // A process manager's SIGTERM comes during a rolling restart, behind a proxy that
      // may still send on its kept-alive connections: leave those to close on their side.
      const closing = server.close({ waitForIdle: signal === "SIGTERM", drainMs: DRAIN_MS });
      if (!(await bounded(closing, SERVER_CLOSE_MS))) {
        logger.warn({ ms: SERVER_CLOSE_MS }, "the server did not close in time");
      }
      // After the last request: its spans are sent too.
      if (tracing && !(await tracing.shutdown())) {
        logger.warn({ ms: TRACE_FLUSH_MS }, "the trace flush did not finish in time");
      }
    });
  });

program
  .command("openapi")
  .description("print the OpenAPI 3.1 document of the flows of a file, as serve publishes it")
  .requiredOption("--flows <file>", "a TypeScript or JavaScript file exporting flow definitions")
  .option("--base-path <path>", "where the API is mounted, such as /api")
  .option("--token", "token mode, as WAYMARK_STORE=token serves it")
  .option("--environment <name>", "named in the server's description (default from NODE_ENV)")
  .option("--max-body-bytes <n>", "largest request body (env WAYMARK_MAX_BODY_BYTES)")
  .option("--require-if-match", "strict mode (env WAYMARK_REQUIRE_IF_MATCH)")
  .option("--rate-limit <n/window>", "as for serve, or off (env WAYMARK_RATE_LIMIT)")
  .option("--cors-origins <list>", "as for serve (env WAYMARK_CORS_ORIGINS)")
  .action(
    async (
      flags: ConfigFlags & { flows: string; basePath?: string; token?: true; environment?: string },
    ) => {
      const config = resolveConfig(
        ["store", "maxBodyBytes", "requireIfMatch", "rateLimit", "corsOrigins"],
        flags,
      );
      const flows = await loadFlows(flags.flows);
      const document = createOpenApiDocument({
        flows,
        basePath: flags.basePath,
        tokens: flags.token === true || config.store === "token",
        maxBodyBytes: config.maxBodyBytes,
        requireIfMatch: config.requireIfMatch,
        rateLimit: config.rateLimit || undefined,
        cors: config.corsOrigins.length > 0 ? { origins: config.corsOrigins } : undefined,
        environment: flags.environment ?? environmentOf(process.env.NODE_ENV),
      });
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    },
  );

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
  .command("history")
  .description("print a flow's events (names of steps and fields, never values)")
  .argument("<flowId>", "the flow id")
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .option("--json", "print the events as a JSON array")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (flowId: string, flags: HistoryFlags) => {
    process.exitCode = await runHistory(flowId, flags);
  });

program
  .command("funnel")
  .description(
    "print where users of a flow drop off: per step, flows that reached, completed, stopped at and skipped it, the time spent, the fields refused most",
  )
  .argument("<flow>", "the flow's name")
  .requiredOption("--flows <file>", "the flow file the servers run (TypeScript or JavaScript)")
  .option(
    "--since <when>",
    "count flows started since: a duration back from now such as 7d or 24h, or an RFC 3339 instant (default 7d)",
  )
  .option("--until <when>", "…and before: a duration back from now or an instant (default now)")
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .option("--batch-size <n>", "records read from the store at a time (default 500)", parseBatchSize)
  .option("--json", "print the report as JSON")
  // 2 for a usage error, or a window, flow file or store it cannot count with.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (flow: string, flags: FunnelFlags) => {
    process.exitCode = await runFunnel(flow, flags);
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

program
  .command("diff")
  .description(
    "compare the newest flows of two files; exits 1 on a breaking change no migration covers",
  )
  .argument("<old>", "the flow file as it is (TypeScript or JavaScript)")
  .argument("<new>", "the flow file as it will be")
  .option("--json", "print the changes as a JSON array")
  // 2 for a usage error, so that a script can tell it from 1, a breaking change.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (oldFile: string, newFile: string, flags: { json?: true }) => {
    process.exitCode = await runDiff(oldFile, newFile, { json: flags.json === true });
  });

program
  .command("migrate")
  .description(
    "move flows on older definition versions to the newest, as servers would on their next read; exits 1 when one fails",
  )
  .requiredOption("--flows <file>", "the flow file about to be deployed (TypeScript or JavaScript)")
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .option("--dry-run", "only report what would happen; write nothing")
  .option("--batch-size <n>", "records read from the store at a time (default 500)", parseBatchSize)
  .option("--json", "print the report as JSON")
  // 2 for a usage error, so that a script can tell it from 1, a flow that fails.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (flags: MigrateFlags) => {
    process.exitCode = await runMigrate(flags);
  });

const deliveries = program
  .command("deliveries")
  .description(
    "list the deliveries of events waiting in the store's outbox (pending, or dead with --dead)",
  )
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .option("--dead", "list the dead deliveries: those given up on after 3 days")
  .option("--json", "print the deliveries as a JSON array")
  .option("--limit <n>", "most deliveries listed (default 100)", parseLimit)
  // 2 for a usage error or a store without an outbox.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (flags: DeliveriesFlags) => {
    process.exitCode = await runDeliveries(flags);
  });

deliveries
  .command("retry")
  .description("put dead deliveries back in line, due now; exits 1 when a key names none")
  .argument("[keys...]", 'the keys of the deliveries, as listed ("<destination> <event id>")')
  .option("--store <url>", "sqlite:./file.db (env WAYMARK_STORE)")
  .option("--all-dead", "every dead delivery")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (keys: string[], _flags: RetryFlags, command: Command) => {
    // `--store` may come before `retry`, where `deliveries` reads it.
    process.exitCode = await runRetryDeliveries(keys, command.optsWithGlobals<RetryFlags>());
  });

/** The environment the published document names: NODE_ENV, where it says one. */
function environmentOf(nodeEnv: string | undefined): string {
  return !nodeEnv || nodeEnv === "development" ? "local development" : nodeEnv;
}

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`waymark: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
