import type { Contract, Schema } from "./openapi-flows.ts";
import { ref } from "./openapi-schemas.ts";

/** The request parameters operations refer to. */
export function parameters(contract: Contract): Schema {
  const entityTags = {
    type: "string",
    maxLength: 16_384,
    pattern: '^\\s*(?:\\*|(?:W/)?"[^"]*"(?:\\s*,\\s*(?:W/)?"[^"]*")*)\\s*$',
  };
  const ifMatch = (required: boolean) => ({
    name: "If-Match",
    in: "header",
    required,
    description:
      "Entity tags from earlier responses' `ETag`, or `*`: act only if one matches the flow's current ETag (strong comparison), else 412",
    schema: entityTags,
  });
  return {
    FlowId: {
      name: "flowId",
      in: "path",
      required: true,
      description: contract.token
        ? "The flow's token, from `Location` or `flowId` of the latest answer"
        : "The flow's id, from `Location` or `flowId`",
      schema: ref("FlowId"),
    },
    IfMatch: ifMatch(false),
    ...(contract.requireIfMatch ? { IfMatchRequired: ifMatch(true) } : {}),
    IfNoneMatch: {
      name: "If-None-Match",
      in: "header",
      required: false,
      description:
        "Entity tags, or `*`: a read answers 304 if one matches (weak comparison); a write answers 412",
      schema: entityTags,
    },
    ...(contract.token
      ? {}
      : {
          LastEventId: {
            name: "Last-Event-ID",
            in: "header",
            required: false,
            description:
              "The flow version of the last event received (`EventSource` sends it when it reconnects): the current state is sent unless it is that version",
            schema: { type: "string", maxLength: 15, pattern: "^[0-9]{1,15}$" },
          },
        }),
    AcceptLanguage: {
      name: "Accept-Language",
      in: "header",
      required: false,
      description:
        "The languages the client prefers (RFC 9110 §12.5.4): titles, schema texts and problems come back in the best match among English, German, Arabic and the languages the flow translates into (a region falls back to its language: `de-AT` → `de`), and in English when none matches or the value cannot be read. The answer names it in `Content-Language`.",
      schema: { type: "string", maxLength: 16_384, pattern: "^[A-Za-z0-9*,;=. _-]*$" },
    },
    IdempotencyKey: {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: contract.token
        ? "Refused in token mode (400 `idempotency-key-unsupported`): there is nowhere to remember it"
        : "1 to 255 printable ASCII characters (a UUID is ideal): a retry with the same key and body answers the first response, for 24 hours",
      schema: {
        type: "string",
        minLength: 1,
        maxLength: 255,
        pattern: "^[!-~](?:[ -~]{0,253}[!-~])?$",
      },
    },
  };
}
