// Preloaded into every benchmarked server (`node --import`), before the app loads: counts
// the HTTP requests the server received and the store operations it made, and answers
// "cpu" messages on the IPC channel with its own CPU time and both counts, so the harness
// divides by the requests the server itself saw (autocannon's total leaves out the
// requests still in flight when a run ends, which the server did serve).
//
// One operation is one call that reaches the store: a better-sqlite3 statement run
// (get/run/all/iterate), a `pg` Client query, a node-redis command (a Lua script is one
// EVALSHA). Every variant is counted by these same patches; the Map floor, which has no
// driver, counts its own loads and compare-and-sets through `__benchStoreOps`.
// Verified: floor-sqlite, floor-postgres and floor-redis, which make exactly one load
// and one compare-and-set per write, show exactly 2.00; token mode shows 0.00.
import { subscribe } from "node:diagnostics_channel";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ops = { count: 0 };
globalThis.__benchStoreOps = ops;
const http = { requests: 0 };
subscribe("http.server.request.start", () => {
  http.requests += 1;
});

function counted(prototype, name) {
  const original = prototype[name];
  prototype[name] = function (...args) {
    ops.count += 1;
    return original.apply(this, args);
  };
}

const Database = require("better-sqlite3");
const scratch = new Database(":memory:");
const statement = Object.getPrototypeOf(scratch.prepare("SELECT 1"));
scratch.close();
for (const name of ["get", "run", "all", "iterate"]) counted(statement, name);
counted(require("pg").Client.prototype, "query");
counted(require("redis").RedisClient.prototype, "sendCommand");

process.on("message", (message) => {
  if (message === "cpu")
    process.send?.({ cpu: process.cpuUsage(), ops: ops.count, requests: http.requests });
});
process.channel?.unref();
