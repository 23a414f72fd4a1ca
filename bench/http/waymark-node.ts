/**
 * Waymark as a library on node:http: `createWaymark` over a SQLite file, mounted with
 * `toNodeListener` from `waymark/node`, logging through pino on an asynchronous
 * destination as the CLI does. Run without the "waymark-source" condition, so "waymark"
 * is the compiled dist/ an installed copy runs. Unlike `waymark serve`, it leaves Node's
 * global `Request` and `Response` alone, as a host application expects of a library.
 * Usage: waymark-node.ts <file> <port>
 */
import { createServer } from "node:http";
import pino from "pino";
import { createWaymark } from "waymark";
import { toNodeListener } from "waymark/node";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../../examples/onboarding/flow.ts";
import { stopOnSignals } from "./floors/http.ts";

const [path = "node.db", port = "0"] = process.argv.slice(2);
const store = createSqliteStore({ path });
const logger = pino({}, pino.destination({ sync: false }));
const server = createServer(toNodeListener(createWaymark({ flows: [onboarding], store, logger })));
server.listen(Number(port), "127.0.0.1");
stopOnSignals(server, () => store.close());
