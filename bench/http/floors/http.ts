/**
 * The floor's HTTP part, shared by every floor: node:http, `POST /onboarding` and
 * `PUT /onboarding/{id}/step/1` with one load and one compare-and-set, nothing else.
 */
import { createServer, type Server } from "node:http";
import { etag, newRow, type Row, representation, submitPersonalInfo } from "./onboarding.ts";

/** Where a floor keeps its rows. */
export interface Records {
  load(id: string): Promise<Row | undefined>;
  create(row: Row): Promise<void>;
  /** Compare-and-set on the version. */
  save(row: Row, expected: number): Promise<boolean>;
  close(): Promise<void>;
}

const stepPath = /^\/onboarding\/([0-9a-f-]{36})\/step\/1$/;

/**
 * Serves `records` on 127.0.0.1:`port` until SIGTERM or SIGINT, then closes the store and
 * exits, so `node --cpu-prof` gets to write its profile.
 */
export function serveFloor(records: Records, port: number): void {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const json = JSON.stringify(body);
      res.writeHead(status, {
        "content-type": "application/json",
        "cache-control": "no-store",
        "content-length": Buffer.byteLength(json),
        ...headers,
      });
      res.end(json);
    };
    const answer = async (body: Buffer) => {
      const now = Date.now();
      if (req.method === "POST" && req.url === "/onboarding") {
        const row = newRow(now);
        await records.create(row);
        return send(201, representation(row), {
          etag: etag(row),
          location: `/onboarding/${row.id}`,
        });
      }
      const id = req.method === "PUT" ? stepPath.exec(req.url ?? "")?.[1] : undefined;
      if (!id) return send(404, { title: "Not found" });
      let submitted: unknown;
      try {
        submitted = JSON.parse(body.toString("utf8"));
      } catch {
        return send(400, { title: "Malformed JSON" });
      }
      const row = await records.load(id);
      if (!row) return send(404, { title: "Not found" });
      const next = submitPersonalInfo(row, submitted, now);
      if (!next) return send(422, { title: "Invalid" });
      if (!(await records.save(next, row.version))) return send(409, { title: "Conflict" });
      send(200, representation(next), { etag: etag(next) });
    };
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      answer(Buffer.concat(chunks)).catch((error: unknown) => {
        console.error(error);
        send(503, { title: "Store unavailable" });
      });
    });
  });
  server.listen(port, "127.0.0.1");
  stopOnSignals(server, () => records.close());
}

/**
 * On SIGTERM or SIGINT: stops accepting, drops idle connections, closes the store, exits,
 * so that `node --cpu-prof` gets to write its profile.
 */
export function stopOnSignals(server: Server, close: () => Promise<unknown>): void {
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** Counts a store operation the probe cannot see in a driver (the Map floor's). */
export function countStoreOp(): void {
  const ops = (globalThis as { __benchStoreOps?: { count: number } }).__benchStoreOps;
  if (ops) ops.count += 1;
}
