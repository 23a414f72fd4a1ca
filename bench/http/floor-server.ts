/**
 * The floor: a hand-written server doing the same step write as Waymark's
 * `PUT /onboarding/{id}/step/1`, records in a SQLite file (`sqlite:<path>`) or in a Map
 * (`memory`). Usage: floor-server.ts <store> <port>
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import Database from "better-sqlite3";
import { z } from "zod";
import { onboarding } from "../../examples/onboarding/flow.ts";

interface Row {
  id: string;
  version: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  data: Record<string, unknown>;
}
interface Records {
  load(id: string): Row | undefined;
  create(row: Row): void;
  /** Compare-and-set on the version. */
  save(row: Row, expected: number): boolean;
}

const [storeArg = "memory", portArg = "0"] = process.argv.slice(2);
const ttlMs = 7 * 24 * 3_600_000;
const steps = onboarding.steps;
const personalInfo = steps[0]?.schema as unknown as z.ZodType;
const nextStepSchema = z.toJSONSchema(steps[1]?.schema as unknown as z.ZodType, { io: "input" });

function sqliteRecords(path: string): Records {
  const counter = { statements: 0 };
  (globalThis as { __benchCounter?: typeof counter }).__benchCounter = counter;
  const db = new Database(path, {
    verbose: () => {
      counter.statements += 1;
    },
  });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(
    "CREATE TABLE IF NOT EXISTS flows (id TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL) STRICT",
  );
  const select = db.prepare<[string], { record: string }>("SELECT record FROM flows WHERE id = ?");
  const insert = db.prepare("INSERT INTO flows (id, version, record) VALUES (?, ?, ?)");
  const update = db.prepare(
    "UPDATE flows SET version = ?, record = ? WHERE id = ? AND version = ?",
  );
  counter.statements = 0;
  return {
    load: (id) => {
      const row = select.get(id);
      return row ? (JSON.parse(row.record) as Row) : undefined;
    },
    create: (row) => void insert.run(row.id, row.version, JSON.stringify(row)),
    save: (row, expected) =>
      update.run(row.version, JSON.stringify(row), row.id, expected).changes === 1,
  };
}

function mapRecords(): Records {
  const rows = new Map<string, string>();
  return {
    load: (id) => {
      const json = rows.get(id);
      return json ? (JSON.parse(json) as Row) : undefined;
    },
    create: (row) => void rows.set(row.id, JSON.stringify(row)),
    save: (row, expected) => {
      const current = rows.get(row.id);
      if (!current || (JSON.parse(current) as Row).version !== expected) return false;
      rows.set(row.id, JSON.stringify(row));
      return true;
    },
  };
}

const records =
  storeArg === "memory" ? mapRecords() : sqliteRecords(storeArg.slice("sqlite:".length));

/** About what Waymark answers: the flow, its steps, the next step's JSON Schema. */
function representation(row: Row) {
  const done = "personal-info" in row.data;
  return {
    flowId: row.id,
    flow: "onboarding",
    title: onboarding.title,
    definitionVersion: 1,
    version: row.version,
    status: "in_progress",
    steps: steps.map((step, index) => ({
      number: index + 1,
      name: step.name,
      title: step.title,
      href: `/onboarding/${row.id}/step/${index + 1}`,
      status:
        index === 0 ? (done ? "done" : "current") : index === 1 && done ? "current" : "pending",
    })),
    currentStep: done
      ? {
          number: 2,
          name: steps[1]?.name,
          href: `/onboarding/${row.id}/step/2`,
          schema: nextStepSchema,
        }
      : { number: 1, name: steps[0]?.name, href: `/onboarding/${row.id}/step/1` },
    data: row.data,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
    links: { self: `/onboarding/${row.id}` },
  };
}

const stepPath = /^\/onboarding\/([0-9a-f-]{36})\/step\/1$/;

const server = createServer((req, res) => {
  const send = (status: number, body: unknown, etag?: string) => {
    const json = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(json),
      "cache-control": "no-store",
      ...(etag ? { etag } : {}),
    });
    res.end(json);
  };
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const now = Date.now();
    if (req.method === "POST" && req.url === "/onboarding") {
      const row: Row = {
        id: randomUUID(),
        version: 1,
        createdAt: now,
        updatedAt: now,
        expiresAt: now + ttlMs,
        data: {},
      };
      records.create(row);
      res.setHeader("location", `/onboarding/${row.id}`);
      return send(201, representation(row), `"v1"`);
    }
    const id = req.method === "PUT" ? stepPath.exec(req.url ?? "")?.[1] : undefined;
    if (!id) return send(404, { title: "Not found" });
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(400, { title: "Malformed JSON" });
    }
    const row = records.load(id);
    if (!row) return send(404, { title: "Not found" });
    const parsed = personalInfo.safeParse(body);
    if (!parsed.success) return send(422, { title: "Invalid", errors: parsed.error.issues });
    const next: Row = {
      ...row,
      version: row.version + 1,
      updatedAt: now,
      expiresAt: now + ttlMs,
      data: { ...row.data, "personal-info": parsed.data },
    };
    if (!records.save(next, row.version)) return send(409, { title: "Concurrent update" });
    send(200, representation(next), `"v${next.version}"`);
  });
});
server.listen(Number(portArg), "127.0.0.1");
