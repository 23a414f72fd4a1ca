import { type Context, Hono } from "hono";
import { WaymarkError } from "../errors.ts";
import { createRecord, expired, findStep, isExpired, submitStep } from "../flow/engine.ts";
import { isPlainObject } from "../flow/json.ts";
import type { FlowRegistry } from "../flow/registry.ts";
import type { DefinedStep, FlowDefinition, FlowRecord } from "../flow/types.ts";
import type { FlowStore } from "../store/types.ts";
import type { Logger } from "./app.ts";
import { type BodyLimits, readJsonBody } from "./body.ts";
import { etagMatches } from "./conditional.ts";
import { idempotent } from "./idempotency.ts";
import { methodNotAllowed } from "./problem.ts";
import { etag, flowPath, flowRepresentation, stepRepresentation } from "./representation.ts";

/** What the flow routes need from the app. */
export interface FlowRoutesOptions {
  registry: FlowRegistry;
  store: FlowStore;
  limits: BodyLimits;
  requireIfMatch: boolean;
  now: () => Date;
  logger?: Logger;
}

/** Attempts at a step write whose compare-and-set keeps losing, before answering 409. */
const maxWriteAttempts = 5;

/** Flow ids are URL-safe; anything else is answered 404 without asking the store. */
const idPattern = /^[A-Za-z0-9_.-]{1,12288}$/;

/** The five routes of the flow API, for every registered flow. */
export function flowRoutes(options: FlowRoutesOptions): Hono {
  const { registry, store, limits, now } = options;
  const app = new Hono();
  const locate = (record: FlowRecord) => store.locate?.(record) ?? record.id;
  const tagOf = (record: FlowRecord, flowId: string) =>
    store.etag?.(record, flowId) ?? etag(record);

  /** The record the URL names, expired or not: 404 for an unknown flow or id. */
  async function loadRecord(c: Context): Promise<FlowRecord> {
    const name = c.req.param("flow") ?? "";
    const id = c.req.param("id") ?? "";
    if (!registry.latest(name)) throw unknownFlow(name);
    const record = idPattern.test(id) ? await store.load(id) : undefined;
    if (!record || record.flow !== name) {
      throw new WaymarkError("flow-not-found", `No ${name} flow has this id`);
    }
    return record;
  }

  /** The live flow the URL names, with its definition: 410 once retired or expired. */
  async function loadFlow(
    c: Context,
    at: Date,
  ): Promise<{ definition: FlowDefinition; record: FlowRecord }> {
    const record = await loadRecord(c);
    const definition = registry.at(record.flow, record.definitionVersion);
    if (!definition) {
      throw new WaymarkError(
        "definition-retired",
        `This flow started on version ${record.definitionVersion} of "${record.flow}", which is no longer served`,
      );
    }
    if (isExpired(record, at)) throw expired();
    return { definition, record };
  }

  app.post("/:flow", async (c) => {
    const definition = registry.latest(c.req.param("flow"));
    if (!definition) throw unknownFlow(c.req.param("flow"));
    const at = now();
    return idempotent(c.req.raw, definition.name, { store, limits, now: at }, async (id) => {
      const fresh = createRecord(definition, { id, now: at });
      // A retried create under an idempotency key finds the flow its first attempt made.
      const record = (await store.create(fresh)) ? fresh : await store.load(id);
      if (!record) {
        throw new WaymarkError("concurrent-update", "The flow was removed while being created");
      }
      const started = registry.at(record.flow, record.definitionVersion) ?? definition;
      const flowId = locate(record);
      return {
        status: 201,
        headers: {
          ...jsonHeaders,
          etag: tagOf(record, flowId),
          location: flowPath(record, flowId),
        },
        body: JSON.stringify(flowRepresentation(started, record, flowId)),
      };
    });
  });

  app.get("/:flow/:id", async (c) => {
    const { definition, record } = await loadFlow(c, now());
    const tag = tagOf(record, c.req.param("id"));
    if (etagMatches(c.req.header("if-none-match"), tag, { weak: true })) return notModified(tag);
    return json(flowRepresentation(definition, record, c.req.param("id")), 200, { etag: tag });
  });

  // Erasing needs no definition and works on expired flows: the data goes either way.
  app.delete("/:flow/:id", async (c) => {
    const record = await loadRecord(c);
    const ifMatch = c.req.header("if-match");
    if (isConditional(ifMatch)) {
      if (!etagMatches(ifMatch, tagOf(record, c.req.param("id")), { weak: false })) {
        throw staleEtag();
      }
      if (!(await store.delete(record.id, record.version))) throw staleEtag();
    } else {
      await store.delete(record.id);
    }
    return c.body(null, 204, { "cache-control": "no-store" });
  });

  app.get("/:flow/:id/step/:step", async (c) => {
    const { definition, record } = await loadFlow(c, now());
    const step = stepOf(definition, c.req.param("step"));
    const flowId = c.req.param("id");
    const tag = tagOf(record, flowId);
    if (etagMatches(c.req.header("if-none-match"), tag, { weak: true })) return notModified(tag);
    return json(stepRepresentation(definition, record, step, flowId), 200, { etag: tag });
  });

  app.put("/:flow/:id/step/:step", async (c) => {
    const ifMatch = c.req.header("if-match");
    const conditional = isConditional(ifMatch);
    if (!conditional && options.requireIfMatch) {
      throw new WaymarkError("precondition-required", "Send If-Match with the flow's ETag");
    }
    const body = await readJsonBody(c.req.raw, limits);
    const at = now();
    for (let attempt = 1; attempt <= maxWriteAttempts; attempt++) {
      const { definition, record } = await loadFlow(c, at);
      const tag = tagOf(record, c.req.param("id"));
      if (conditional && !etagMatches(ifMatch, tag, { weak: false })) throw staleEtag();
      const step = stepOf(definition, c.req.param("step"));
      const result = await submitStep(definition, record, step, unwrap(step, body), at);
      if (!result.ok) throw result.error;
      if (!result.changed) {
        return json(flowRepresentation(definition, record, c.req.param("id")), 200, { etag: tag });
      }
      // Located before saving: in token mode a record too large to seal writes nothing.
      const flowId = locate(result.record);
      if (await store.save(result.record, record.version)) {
        if (result.completed) await complete(definition, result.record, at);
        // The address changes in token mode, where the flow id is the sealed record.
        const moved =
          flowId === c.req.param("id") ? {} : { location: flowPath(result.record, flowId) };
        return json(flowRepresentation(definition, result.record, flowId), 200, {
          etag: tagOf(result.record, flowId),
          ...moved,
        });
      }
      // Lost the compare-and-set: with If-Match the client's version is gone for good.
      if (conditional) throw staleEtag();
      await sleep(Math.random() * 5 * attempt);
    }
    throw new WaymarkError("concurrent-update", "The flow changed during each attempt to save");
  });

  app.all("/:flow", (c) => notAllowed(c, "POST"));
  app.all("/:flow/:id", (c) => notAllowed(c, "GET, HEAD, DELETE"));
  app.all("/:flow/:id/step/:step", (c) => notAllowed(c, "GET, HEAD, PUT"));

  function notAllowed(c: Context, allow: string): never {
    if (!registry.latest(c.req.param("flow") ?? "")) throw unknownFlow(c.req.param("flow"));
    throw methodNotAllowed(allow);
  }

  async function complete(definition: FlowDefinition, record: FlowRecord, at: Date) {
    try {
      await definition.onComplete?.({
        flowId: record.id,
        flow: record.flow,
        definitionVersion: record.definitionVersion,
        data: record.data,
        completedAt: at,
      });
    } catch (error) {
      options.logger?.error(
        { flow: record.flow, err: error instanceof Error ? error.name : typeof error },
        "completion handler failed",
      );
    }
  }

  return app;
}

function stepOf(definition: FlowDefinition, ref: string | undefined): DefinedStep {
  const step = findStep(definition, ref ?? "");
  if (!step) {
    throw new WaymarkError(
      "step-not-found",
      `"${definition.name}" has no step "${String(ref).slice(0, 100)}"; steps are 1 to ${definition.steps.length} or their names`,
    );
  }
  return step;
}

/**
 * Accepts the seed's envelope `{ "personalInfo": { … } }` as well as the bare step data:
 * a body whose only key is the step's name (as written or in camelCase), holding an
 * object, is unwrapped, unless the step's schema itself has a field of that name.
 */
function unwrap(step: DefinedStep, body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const keys = Object.keys(body);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) return body;
  const camel = step.name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  const fields = step.jsonSchema.properties;
  const isField = isPlainObject(fields) && Object.hasOwn(fields, key);
  return (key === camel || key === step.name) && !isField && isPlainObject(body[key])
    ? body[key]
    : body;
}

/** `If-Match` with entity tags; `*` only asks that the flow exists, which loading checks. */
function isConditional(ifMatch: string | undefined): ifMatch is string {
  return ifMatch !== undefined && ifMatch.trim() !== "*";
}

function unknownFlow(name: string | undefined): WaymarkError {
  return new WaymarkError("unknown-flow", `There is no flow named "${String(name).slice(0, 100)}"`);
}

function staleEtag(): WaymarkError {
  return new WaymarkError(
    "precondition-failed",
    "The flow has changed since the version in If-Match; read it again",
  );
}

const jsonHeaders = { "content-type": "application/json", "cache-control": "no-store" };

function json(body: unknown, status: 200, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders, ...headers } });
}

function notModified(tag: string): Response {
  return new Response(null, { status: 304, headers: { etag: tag, "cache-control": "no-store" } });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
