import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FlowDefinition, FlowOperation, FlowRecord, RecordAccess } from "../flow/types.ts";
import { runUserCode } from "../flow/user-code.ts";

/**
 * Who is asking, as the use cases need to know for a flow's access mode: the
 * `flowSecret` the request presented (`Authorization: Bearer …`), and the request itself
 * for an `authorize` hook. Capability flows need neither.
 *
 * @example { secret: "kq3…", request }
 */
export interface Caller {
  /** The flow secret presented, for `secret` flows. */
  secret?: string | undefined;
  /** The Web request, handed to an `authorize` hook as it is. */
  request?: Request | undefined;
}

/** What starting a flow settles about its access: what to keep, and the secret to show once. */
export interface StartAccess {
  /** Kept in the record; undefined for capability flows. */
  access: RecordAccess | undefined;
  /** The `flowSecret` to answer, for `secret` flows. */
  secret: string | undefined;
}

/** The kind of a flow's access mode, as descriptions and the OpenAPI document name it. */
export function accessKind(definition: FlowDefinition): "capability" | "secret" | "authorize" {
  return typeof definition.access === "string" ? definition.access : "authorize";
}

/**
 * Decides whether `caller` may start a flow of `definition`, and what the new record
 * keeps: a fresh secret's hash, or the subject `authorize` bound it to. False refuses.
 *
 * @throws WaymarkError `definition-error` when an `authorize` hook throws or answers
 * something other than a boolean or `{ subject }`.
 */
export async function admitStart(
  definition: FlowDefinition,
  caller: Caller,
): Promise<StartAccess | false> {
  const { access } = definition;
  if (access === "capability") return { access: undefined, secret: undefined };
  if (access === "secret") {
    const { secret, secretHash } = newSecret();
    return { access: { secretHash }, secret };
  }
  const answer = await authorize(definition, "start", undefined, caller);
  if (answer === false) return false;
  return { access: answer === true ? undefined : { subject: answer.subject }, secret: undefined };
}

/**
 * Whether `caller` may do `operation` to an existing flow. A flow that keeps a secret's
 * hash always needs the secret, whatever its definition says now; otherwise the
 * definition's mode decides.
 *
 * @throws WaymarkError `definition-error` from an `authorize` hook, as {@link admitStart}.
 */
export async function admits(
  definition: FlowDefinition,
  operation: FlowOperation,
  record: FlowRecord,
  caller: Caller,
): Promise<boolean> {
  const kept = record.access?.secretHash;
  if (kept !== undefined) return secretMatches(caller.secret, kept);
  const { access } = definition;
  if (access === "capability") return true;
  // A secret flow whose record holds no hash has no secret anyone could present.
  if (access === "secret") return false;
  return (await authorize(definition, operation, record, caller)) !== false;
}

/**
 * A fresh `flowSecret` (256 random bits, base64url) and the hash a record keeps: for a
 * start, and for a retried start, which could not show the first one.
 */
export function newSecret(): { secret: string; secretHash: string } {
  const secret = randomBytes(32).toString("base64url");
  return { secret, secretHash: hashSecret(secret) };
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

/** Compares digests, never the secrets: equal lengths, constant time. */
function secretMatches(presented: string | undefined, kept: string): boolean {
  const expected = Buffer.from(kept, "base64url");
  const actual = createHash("sha256")
    .update(presented ?? "")
    .digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

async function authorize(
  definition: FlowDefinition,
  operation: FlowOperation,
  record: FlowRecord | undefined,
  caller: Caller,
): Promise<true | false | { subject: string }> {
  const policy = definition.access;
  if (typeof policy === "string") return false;
  const { request } = caller;
  // Without the request there is nothing to authorize by: refused, never a guess.
  if (!request) return false;
  const flow = record && {
    flowId: record.id,
    flow: record.flow,
    definitionVersion: record.definitionVersion,
    subject: record.access?.subject,
    data: record.data,
  };
  const site = { flow: definition.name, hook: "authorize" } as const;
  const answer: unknown = await runUserCode(site, () =>
    policy.authorize({ request, operation, flow }),
  );
  return runUserCode(site, () => asAuthorization(answer, operation));
}

function asAuthorization(value: unknown, operation: FlowOperation): boolean | { subject: string } {
  if (typeof value === "boolean") return value;
  const subject = (value as { subject?: unknown } | null)?.subject;
  if (operation === "start" && typeof subject === "string" && subject.length > 0) {
    return { subject };
  }
  throw new TypeError(
    operation === "start"
      ? "authorize must answer true, false or { subject } with a non-empty string"
      : "authorize must answer true or false",
  );
}
