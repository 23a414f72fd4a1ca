import { type Context, Hono } from "hono";
import { WaymarkError } from "../errors.ts";
import { checkMessages } from "../flow/localize.ts";
import { unknownFlow } from "../flow/registry.ts";
import type { Caller } from "../service/access.ts";
import { type Preconditions, representationTag } from "../service/preconditions.ts";
import type { FlowService, FlowView } from "../service/types.ts";
import { type BodyLimits, readJsonBody, readOptionalJsonBody } from "./body.ts";
import { idempotent } from "./idempotency.ts";
import type { LiveUpdatesHandler } from "./live-updates.ts";
import { requestLocale, varyOnLanguage } from "./locale.ts";
import { methodNotAllowed } from "./problem.ts";
import {
  flowDescription,
  flowPath,
  flowRepresentation,
  historyRepresentation,
  stepRepresentation,
} from "./representation.ts";
import { textResponse } from "./text-response.ts";

/** What the flow routes need from the app. */
export interface FlowRoutesOptions {
  service: FlowService;
  limits: BodyLimits;
  requireIfMatch: boolean;
  now: () => Date;
  /** Where the handler is mounted, prefixed to every link: `""` or `"/api"`. */
  base: string;
  /** The streams of `GET /{flow}/{flowId}/events`. */
  live: LiveUpdatesHandler;
}

/**
 * The routes of the flow API, for every registered flow: the description (`GET /{flow}`),
 * then start, read, read a step, submit, recover, erase, the history and the live updates, each of which parses the request,
 * calls one use case and renders its result.
 */
export function flowRoutes(options: FlowRoutesOptions): Hono {
  const { service, limits, now, base } = options;
  const app = new Hono();

  app.post("/:flow", async (c) => {
    const name = c.req.param("flow");
    const definition = service.registry.latest(name);
    if (!definition) throw unknownFlow(name);
    const at = now();
    const { store } = service;
    const caller = callerOf(c);
    const guarded = definition.access !== "capability";
    const locale = textLocaleOf(c);
    const response = await idempotent(
      c.req.raw,
      name,
      { store, limits, now: at, guarded },
      async (id) => {
        const started = await service.start(name, { now: at, id, caller });
        const { flowSecret } = started;
        return {
          status: 201,
          headers: {
            ...jsonHeaders,
            ...languageHeaders(locale),
            etag: representationTag(started.etag, locale),
            location: flowPath(base, started.record, started.flowId),
          },
          body: JSON.stringify({
            ...flowRepresentation(started, base, locale),
            ...(flowSecret === undefined ? {} : { flowSecret }),
          }),
        };
      },
    );
    varyOnLanguage(response.headers);
    return response;
  });

  app.get("/:flow", (c) => {
    const definition = service.registry.latest(c.req.param("flow"));
    if (!definition) throw unknownFlow(c.req.param("flow"));
    const locale = localeOf(c);
    return json(c, locale, flowDescription(definition, base, locale), {
      "cache-control": "no-cache",
    });
  });

  app.get("/:flow/:id", async (c) => {
    const locale = localeOf(c);
    const input = { now: now(), preconditions: preconditionsOf(c, locale), caller: callerOf(c) };
    const { flow, id } = c.req.param();
    const found = await offeringRecovery(c, service.read(flow, id, input));
    const etag = representationTag(found.etag, locale);
    if (found.notModified) return notModified(etag);
    return json(c, locale, flowRepresentation(found, base, locale), {
      etag,
      ...movedTo(base, found, id),
    });
  });

  app.post("/:flow/:id/recover", async (c) => {
    // No body is needed; one that is sent is held to the limits of every other (413, 415, 400).
    await readOptionalJsonBody(c.req.raw, limits);
    const { flow, id } = c.req.param();
    const locale = textLocaleOf(c);
    const input = { now: now(), preconditions: preconditionsOf(c, locale), caller: callerOf(c) };
    const recovered = await service.recover(flow, id, input);
    const moved =
      recovered.flowId === id
        ? {}
        : { location: flowPath(base, recovered.record, recovered.flowId) };
    return json(c, locale, flowRepresentation(recovered, base, locale), {
      etag: representationTag(recovered.etag, locale),
      ...moved,
    });
  });

  app.get("/:flow/:id/history", async (c) => {
    const { flow, id } = c.req.param();
    const events = await service.history(flow, id, { caller: callerOf(c) });
    return json(c, localeOf(c), historyRepresentation(flow, id, events), {});
  });

  app.get("/:flow/:id/events", (c) => {
    const { flow, id } = c.req.param();
    return options.live.open({
      flow,
      flowId: id,
      caller: callerOf(c),
      lastEventId: c.req.header("last-event-id"),
      signal: c.req.raw.signal,
      head: c.req.method === "HEAD",
    });
  });

  app.delete("/:flow/:id", async (c) => {
    const preconditions = preconditionsOf(c, localeOf(c));
    const input = { now: now(), preconditions, caller: callerOf(c) };
    await service.erase(c.req.param("flow"), c.req.param("id"), input);
    return c.body(null, 204, { "cache-control": "no-store" });
  });

  app.get("/:flow/:id/step/:step", async (c) => {
    const { flow, id, step } = c.req.param();
    const locale = localeOf(c);
    const input = { now: now(), preconditions: preconditionsOf(c, locale), caller: callerOf(c) };
    const found = await offeringRecovery(c, service.readStep(flow, id, step, input));
    const etag = representationTag(found.etag, locale);
    if (found.notModified) return notModified(etag);
    return json(c, locale, stepRepresentation(found, base, locale), { etag });
  });

  app.put("/:flow/:id/step/:step", async (c) => {
    const ifMatch = c.req.header("if-match");
    if (options.requireIfMatch && (ifMatch === undefined || ifMatch.trim() === "*")) {
      throw new WaymarkError("precondition-required", "Send If-Match with the flow's ETag");
    }
    const body = await readJsonBody(c.req.raw, limits);
    const { flow, id, step } = c.req.param();
    const locale = textLocaleOf(c);
    const saved = await offeringRecovery(
      c,
      service.submit(flow, id, step, body, {
        now: now(),
        preconditions: preconditionsOf(c, locale),
        caller: callerOf(c),
        locale,
      }),
    );
    // The address changes in token mode, where the flow id is the sealed record.
    const moved =
      saved.flowId === id ? {} : { location: flowPath(base, saved.record, saved.flowId) };
    return json(c, locale, flowRepresentation(saved, base, locale), {
      etag: representationTag(saved.etag, locale),
      ...moved,
    });
  });

  app.all("/:flow", (c) => notAllowed(c, "GET, HEAD, POST"));
  app.all("/:flow/:id", (c) => notAllowed(c, "GET, HEAD, DELETE"));
  app.all("/:flow/:id/step/:step", (c) => notAllowed(c, "GET, HEAD, PUT"));
  app.all("/:flow/:id/recover", (c) => notAllowed(c, "POST"));
  app.all("/:flow/:id/history", (c) => notAllowed(c, "GET, HEAD"));
  app.all("/:flow/:id/events", (c) => notAllowed(c, "GET, HEAD"));

  /**
   * Adds the `recover` link to the refusal of an expired flow that can be recovered:
   * where to `POST` to bring it back.
   */
  async function offeringRecovery<T>(c: Context, answer: Promise<T>): Promise<T> {
    try {
      return await answer;
    } catch (error) {
      if (!(error instanceof WaymarkError && error.extensions.recoverableUntil)) throw error;
      const href = `${base}/${c.req.param("flow")}/${c.req.param("id")}/recover`;
      throw new WaymarkError(error.code, error.message, {
        extensions: { ...error.extensions, recover: { href, method: "POST" } },
        cause: error,
      });
    }
  }

  /**
   * The language to answer in: among Waymark's and those the flow's newest definition
   * translates into (the answer's own version may be older; its texts fall back to
   * those as written).
   */
  function localeOf(c: Context): string {
    return requestLocale(c.req.raw, service.registry.latest(c.req.param("flow") ?? ""));
  }

  /**
   * {@link localeOf} for a write, whose answer holds the flow's texts. Its `messages`
   * function, if it has one, runs now: one that throws fails the request before it
   * writes, not after.
   */
  function textLocaleOf(c: Context): string {
    const locale = localeOf(c);
    const definition = service.registry.latest(c.req.param("flow") ?? "");
    if (definition) checkMessages(definition, locale);
    return locale;
  }

  function notAllowed(c: Context, allow: string): never {
    const name = c.req.param("flow") ?? "";
    if (!service.registry.latest(name)) throw unknownFlow(name);
    throw methodNotAllowed(allow);
  }

  return app;
}

/**
 * The request's conditional headers, for the one evaluation in the use cases, and the
 * language of the answer, whose entity tag `If-None-Match` is compared with.
 */
function preconditionsOf(c: Context, language: string): Preconditions {
  return {
    ifMatch: c.req.header("if-match"),
    ifNoneMatch: c.req.header("if-none-match"),
    language,
  };
}

/**
 * Who is asking: the `flowSecret` sent as `Authorization: Bearer …` (RFC 6750), and
 * the request, for a flow's `authorize` hook.
 */
function callerOf(c: Context): Caller {
  const credentials = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(
    c.req.header("authorization") ?? "",
  );
  return { secret: credentials?.[1], request: c.req.raw };
}

const jsonHeaders = { "content-type": "application/json", "cache-control": "no-store" };

/** What says which language an answer is in, and that the request's language chose it. */
function languageHeaders(locale: string): Record<string, string> {
  return { "content-language": locale, vary: "Accept-Language" };
}

function json(
  c: Context,
  locale: string,
  body: unknown,
  headers: Record<string, string>,
): Response {
  return textResponse(c.req.raw, JSON.stringify(body), {
    status: 200,
    headers: { ...jsonHeaders, ...languageHeaders(locale), ...headers },
  });
}

/**
 * `Content-Location` for a read that answers under a new flow id: in token mode, a flow a
 * migration moved is sealed anew, and the old token no longer describes it.
 */
function movedTo(base: string, found: FlowView, id: string): Record<string, string> {
  return found.flowId === id
    ? {}
    : { "content-location": flowPath(base, found.record, found.flowId) };
}

function notModified(tag: string): Response {
  // RFC 9110 §15.4.5: a 304 sends the Vary the 200 would have.
  return new Response(null, {
    status: 304,
    headers: { etag: tag, "cache-control": "no-store", vary: "Accept-Language" },
  });
}
