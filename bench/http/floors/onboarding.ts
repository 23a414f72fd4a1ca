/**
 * What every floor and peer shares: the record, a new flow, the step-1 write and the
 * answer, byte for byte the JSON Waymark answers for the onboarding example (checked
 * against Waymark's own answer at start-up by run.ts). Only step 1 is ever written here.
 */
import { randomUUID } from "node:crypto";
import { onboarding } from "../../../examples/onboarding/flow.ts";

/** A flow as it is stored: the fields of Waymark's FlowRecord. */
export interface Row {
  id: string;
  flow: string;
  definitionVersion: number;
  version: number;
  data: Record<string, Record<string, unknown>>;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

const { steps, ttlMs } = onboarding;
const [personalInfo] = steps;

export function newRow(now: number): Row {
  return {
    id: randomUUID(),
    flow: onboarding.name,
    definitionVersion: onboarding.version,
    version: 1,
    data: {},
    createdAt: now,
    updatedAt: now,
    expiresAt: now + ttlMs,
  };
}

/** Step 1 applied to `row`: the schema, then the step's own check (18 or older). */
export function submitPersonalInfo(row: Row, body: unknown, now: number): Row | undefined {
  const parsed = personalInfo.schema.safeParse(body);
  if (!parsed.success) return undefined;
  const issues = personalInfo.check?.(parsed.data, {
    now: new Date(now),
    flow: row.data,
    locale: "en",
  });
  if (issues?.length) return undefined;
  return {
    ...row,
    version: row.version + 1,
    data: { ...row.data, [personalInfo.name]: parsed.data },
    updatedAt: now,
    expiresAt: now + ttlMs,
  };
}

// Step 3 applies to contractors only and step 2 is never written here: it stays skipped.
const fresh = ["current", "pending", "skipped", "pending"] as const;
const afterStep1 = ["done", "current", "skipped", "pending"] as const;

/** The flow representation, as src/http/representation.ts builds it. */
export function representation(row: Row) {
  const done = Object.hasOwn(row.data, personalInfo.name);
  const self = `/${row.flow}/${row.id}`;
  const current = steps[done ? 1 : 0] ?? personalInfo;
  const href = `${self}/step/${current.number}`;
  return {
    flowId: row.id,
    flow: row.flow,
    title: onboarding.title,
    definitionVersion: row.definitionVersion,
    version: row.version,
    status: "in_progress",
    steps: steps.map((step, index) => ({
      number: step.number,
      name: step.name,
      title: step.title,
      status: (done ? afterStep1 : fresh)[index],
      href: `${self}/step/${step.number}`,
    })),
    currentStep: {
      number: current.number,
      name: current.name,
      title: current.title,
      href,
      schema: current.jsonSchema,
    },
    data: row.data,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
    links: { self: { href: self }, current: { href } },
  };
}

export const etag = (row: Row) => `"v${row.version}"`;
