import type { Contract, FlowFacts, Schema, StepFacts } from "./openapi-flows.ts";
import { unique } from "./openapi-flows.ts";
import {
  headersOf,
  type OperationKind,
  problemCodes,
  problemResponses,
  responseHeaders,
} from "./openapi-responses.ts";
import { ref } from "./openapi-schemas.ts";

/** One operation of one flow. */
export function operation(
  contract: Contract,
  flow: FlowFacts,
  kind: OperationKind,
  step: StepFacts | undefined,
  security: Schema[] | undefined,
  ids: Set<string>,
): Schema {
  const { names, stem } = flow;
  const title = flow.newest.title;
  const headers = responseHeaders(contract);
  const stepTitle = step?.step.title ?? "";
  const open =
    kind === "describe" ||
    flow.access === "capability" ||
    (kind === "start" && flow.access === "secret");
  const conditional = ["If-Match", "If-None-Match"].map(
    (name) => ({ $ref: `#/components/parameters/${name.replaceAll("-", "")}` }) as Schema,
  );
  const json = (name: string) => ({ "application/json": { schema: ref(name) } });
  const notModified = {
    description: "Not modified: `If-None-Match` names the flow's current state",
    ...headersOf(304, { ETag: headers.etag, "Cache-Control": headers.noStore }, contract),
  };

  let shape: { id: string; summary: string; text: string } & Schema;
  switch (kind) {
    case "describe":
      shape = {
        id: `describe${stem}`,
        summary: `Describe ${title}`,
        text: `The ${title} flow, without starting one: its steps, their JSON Schemas, and how long a flow lives.`,
        responses: {
          200: {
            description: "The flow described",
            ...headersOf(200, { "Cache-Control": headers.noCache }, contract),
            content: json(names.description),
          },
        },
      };
      break;
    case "start":
      shape = {
        id: `start${stem}`,
        summary: `Start ${title}`,
        text: `Starts a ${title} flow on the newest definition. Send \`Idempotency-Key\` to make a retry return the same flow${contract.token ? " (token mode refuses it: 400 `idempotency-key-unsupported`)" : ""}. The body is optional and only tells retries apart.`,
        parameters: [{ $ref: "#/components/parameters/IdempotencyKey" }],
        requestBody: {
          required: false,
          description:
            "Optional; any JSON. It only tells one request with an Idempotency-Key from another.",
          content: { "application/json": { schema: {} } },
        },
        responses: {
          201: {
            description: "Started: the flow's representation",
            ...headersOf(
              201,
              {
                Location: headers.location(true, "The new flow's address"),
                ETag: headers.etag,
                "Cache-Control": headers.noStore,
                ...(contract.token ? {} : { "Idempotent-Replayed": headers.replayed }),
              },
              contract,
            ),
            content: json(names.started),
          },
        },
      };
      break;
    case "read":
      shape = {
        id: `get${stem}`,
        summary: `Read ${title}`,
        text: `The flow: its steps' statuses, the current step with its JSON Schema, and the saved data. HEAD answers the same without the body. ${conditionalText(true)}`,
        parameters: conditional,
        responses: {
          200: {
            description: "The flow",
            ...headersOf(200, { ETag: headers.etag, "Cache-Control": headers.noStore }, contract),
            content: json(names.flow),
          },
          304: notModified,
        },
      };
      break;
    case "erase":
      shape = {
        id: `delete${stem}`,
        summary: `Erase ${title}`,
        text: `Abandons the flow and erases its data, expired or not${contract.token ? ". In token mode nothing is kept: the token is checked, and the client drops it" : ""}. ${conditionalText(false)}`,
        parameters: conditional,
        responses: {
          204: {
            description: "Erased",
            ...headersOf(204, { "Cache-Control": headers.noStore }, contract),
          },
        },
      };
      break;
    case "submit":
      shape = {
        id: `submit${stem}${step?.stem}`,
        summary: `Submit ${stepTitle}`,
        text: `Submits the "${step?.step.name}" step (step ${step?.step.number}) and answers the flow after the write. ${stepAddressText(step)} The body is the step's data, or the envelope \`{ "${step?.envelope}": { … } }\` (unless the step has a field of that name). Steps are done in order; an earlier one may be submitted again while the flow is in progress, and identical data changes nothing (same ETag). The last applicable step completes the flow.${contract.token ? " A write that changes the flow answers a new flow id, in `Location` and the body." : ""} ${conditionalText(false)}${contract.requireIfMatch ? " `If-Match` is required (strict mode): without it, 428." : ""}`,
        parameters: [
          {
            $ref: `#/components/parameters/${contract.requireIfMatch ? "IfMatchRequired" : "IfMatch"}`,
          },
          { $ref: "#/components/parameters/IfNoneMatch" },
        ],
        requestBody: {
          required: true,
          description: `The "${step?.step.name}" step's data (application/json, or any +json type)`,
          content: json(step?.body ?? ""),
        },
        responses: {
          200: {
            description: "The flow after the write",
            ...headersOf(
              200,
              {
                ETag: headers.etag,
                "Cache-Control": headers.noStore,
                ...(contract.token
                  ? {
                      Location: headers.location(
                        false,
                        "The flow's new address, when the write changed it (a new token)",
                      ),
                    }
                  : {}),
              },
              contract,
            ),
            content: json(names.flow),
          },
        },
      };
      break;
    case "recover":
      shape = {
        id: `recover${stem}`,
        summary: `Recover ${title}`,
        text: `Brings an expired flow back with its data, while it can be recovered (\`recoverFor\` after it expired${contract.token ? "; in token mode the expired token is the data" : ""}): it gets a new expiry, and moves to the newest definition version as that version's policy says. A 410 \`flow-expired\` carries this address in \`recover\` while it works. A flow that is live already is answered as it is. No body is needed; one that is sent is held to the limits of every body, then ignored. ${conditionalText(false)}`,
        parameters: [
          { $ref: "#/components/parameters/IfMatch" },
          { $ref: "#/components/parameters/IfNoneMatch" },
        ],
        requestBody: {
          required: false,
          description: "None needed; any JSON sent is ignored.",
          content: { "application/json": { schema: {} } },
        },
        responses: {
          200: {
            description: "The flow, live again",
            ...headersOf(
              200,
              {
                ETag: headers.etag,
                "Cache-Control": headers.noStore,
                ...(contract.token
                  ? { Location: headers.location(false, "The flow's new address (a new token)") }
                  : {}),
              },
              contract,
            ),
            content: json(names.flow),
          },
        },
      };
      break;
    case "history":
      shape = {
        id: `get${stem}History`,
        summary: `Read the history of ${title}`,
        text: "The flow's events, oldest first: when it started, each step submitted (with the names of the fields that changed), skipped or reset, migrations, recoveries and completion. They name steps and fields, never the values entered. Served where the definition's `history` is on (by default for `secret` and `authorize` flows, not for `capability` ones) to a caller who may read the flow; an expired flow's history is there until it is purged.",
        parameters: [],
        responses: {
          200: {
            description: "The flow's events",
            ...headersOf(200, { "Cache-Control": headers.noStore }, contract),
            content: json("FlowHistory"),
          },
        },
      };
      break;
    case "events":
      shape = {
        id: `follow${stem}`,
        summary: `Follow ${title}`,
        text: "Live updates of the flow, as Server-Sent Events (`text/event-stream`): `flow.changed` with the current state at once (or, with `Last-Event-ID`, unless it is that very version: an id lower or higher than the current version, one the flow never had, gets the current state at once), then after each write that changes the flow; `flow.completed`, `flow.expired` or `flow.deleted` when that happens, after which the stream ends. Each event's `data` is JSON: `version`, `status`, `currentStep` (`{ number, name }` or null), `updatedAt`, `expiresAt` and `etag` (no step data: read the flow to see it), and its `id` the flow version, so a reconnecting `EventSource` sends `Last-Event-ID` and misses nothing (writes in between come as the latest state). A comment line beats every 15 s by default, and the server ends a stream idle for 5 minutes; `EventSource` reconnects by itself. HEAD answers the headers without a stream.",
        parameters: [{ $ref: "#/components/parameters/LastEventId" }],
        responses: {
          200: {
            description:
              "The stream of the flow's events: each an `id: {version}` line (none for `flow.deleted`), `event: flow.changed | flow.completed | flow.expired | flow.deleted`, `data: {JSON}` and a blank line; comment lines (`: heartbeat`) and a `retry:` hint between them",
            ...headersOf(200, { "Cache-Control": headers.noStore }, contract),
            content: {
              "text/event-stream": {
                example:
                  'retry: 2000\n\nid: 3\nevent: flow.changed\ndata: {"version":3,"status":"in_progress","currentStep":{"number":2,"name":"contract-details"},"updatedAt":"2030-01-15T09:00:00.000Z","expiresAt":"2030-01-22T09:00:00.000Z","etag":"\\"v3\\""}\n\n',
              },
            },
          },
          204: {
            description:
              "The flow is completed and `Last-Event-ID` names its final version: nothing more will come (it tells `EventSource` to stop reconnecting)",
            ...headersOf(204, { "Cache-Control": headers.noStore }, contract),
          },
        },
      };
      break;
    case "read-step":
      shape = {
        id: `get${stem}${step?.stem}Step`,
        summary: `Read step ${stepTitle}`,
        text: `The "${step?.step.name}" step: its saved data (null until done), status and JSON Schema, to prefill a form. ${stepAddressText(step)} HEAD answers the same without the body. ${conditionalText(true)}`,
        parameters: conditional,
        responses: {
          200: {
            description: "The step",
            ...headersOf(200, { ETag: headers.etag, "Cache-Control": headers.noStore }, contract),
            content: json(step?.representation ?? ""),
          },
          304: notModified,
        },
      };
      break;
  }
  const { id, summary, text, responses, parameters: own = [], ...rest } = shape;
  const codes = problemCodes(kind, flow, step, contract);
  return {
    operationId: unique(id, ids),
    summary,
    description: `${text}\n\n${accessText(flow, kind, open)}`,
    tags: [flow.name],
    parameters: [...(own as Schema[]), { $ref: "#/components/parameters/AcceptLanguage" }],
    ...rest,
    responses: {
      ...withContentLanguage(responses as Schema, headers.contentLanguage),
      ...problemResponses(codes, contract),
    },
    // Public by design (a description, a secret flow's start): declared anonymous, `[{}]`.
    // A capability flow's other operations declare nothing: their credential is the path.
    ...(open
      ? kind === "describe" || flow.access !== "capability"
        ? { security: [{}] }
        : {}
      : security
        ? { security }
        : {}),
  };
}

/** The JSON answers among `responses`, each with the `Content-Language` it carries. */
function withContentLanguage(responses: Schema, contentLanguage: Schema): Schema {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const { content, headers: given } = response as { content?: Schema; headers?: Schema };
      if (!content?.["application/json"]) return [status, response];
      return [
        status,
        { ...(response as Schema), headers: { ...given, "Content-Language": contentLanguage } },
      ];
    }),
  );
}

function conditionalText(safe: boolean): string {
  return safe
    ? "Conditional requests follow RFC 9110 §13.2.2: `If-None-Match` naming the current ETag (or `*`) answers 304; `If-Match` that does not match answers 412."
    : "Conditional requests follow RFC 9110 §13.2.2: `If-Match` that does not match the current ETag, or `If-None-Match` that does (or `*`), answers 412 and does nothing.";
}

function stepAddressText(step: StepFacts | undefined): string {
  return `The path takes the step's 1-based number in place of its name (\`…/step/${step?.step.number}\`), as the representations' \`href\`s do.`;
}

/** Who may call an operation, said in its description. */
function accessText(flow: FlowFacts, kind: OperationKind, open: boolean): string {
  if (kind === "describe") {
    return "**Public** (anonymous access, `security: [{}]`): the description is the same for everyone and holds no flow's data.";
  }
  if (flow.access === "capability") {
    return kind === "start"
      ? "**No security scheme** (capability access): anyone may start a flow, and the flow id it answers is the credential for every later request."
      : "**No security scheme** (capability access): the flow id in the path is the credential, with at least 122 random bits (or a sealed token). Whoever holds it may do this, so treat it as a password: keep it out of logs, referrers and shared links.";
  }
  if (open) {
    return "**Public** (anonymous access, `security: [{}]`): anyone may start a flow. The answer holds the `flowSecret` every later request must send as `Authorization: Bearer {flowSecret}`; it is shown once.";
  }
  return flow.access === "secret"
    ? "Send the `flowSecret` from the start as `Authorization: Bearer {flowSecret}`. A missing or wrong one answers 404, exactly as an unknown flow id does."
    : "The host app's authentication decides (the flow's authorize policy). A refused caller gets 404, exactly as an unknown flow or flow id would.";
}
