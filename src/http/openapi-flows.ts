import type { DefinedStep, FlowDefinition } from "../flow/types.ts";
import { accessKind } from "../service/access.ts";
import { envelopeKey } from "../service/flows.ts";
import type { CorsOptions } from "./cors.ts";
import { savedStepSchema } from "./openapi-step-schema.ts";
import type { RateLimitOptions } from "./rate-limit.ts";

export type Schema = Record<string, unknown>;

/** What the published document depends on besides the flows, settled once. */
export interface Contract {
  /** Where the handler is mounted: `""` or `"/api"`. */
  base: string;
  /** Token mode: the flow id is the sealed flow. */
  token: boolean;
  maxBodyBytes: number;
  maxTokenBytes: number;
  /** The longest flow id a path takes. */
  maxIdLength: number;
  requireIfMatch: boolean;
  rateLimit: RateLimitOptions | undefined;
  cors: CorsOptions | undefined;
  /** The longest `href` (or `Location`) any response holds. */
  maxHref: number;
  /** Webhook endpoints are configured: token mode delivers completion before answering. */
  webhooks: boolean;
}

/** One step of a flow's newest definition, with its names in the document. */
export interface StepFacts {
  step: DefinedStep;
  /** PascalCase of the step name, for operation ids. */
  stem: string;
  /** The camelCase key of the seed's envelope, `{ "personalInfo": { … } }`. */
  envelope: string;
  /** Component names: what is sent, what is saved, the step representation. */
  body: string;
  saved: string;
  representation: string;
  /** Whether every served version of the flow has a step of this name. */
  everywhere: boolean;
}

/** A flow as the document describes it: the newest definition, and every version served. */
export interface FlowFacts {
  name: string;
  newest: FlowDefinition;
  versions: readonly FlowDefinition[];
  /** PascalCase of the flow name, for operation ids. */
  stem: string;
  access: "capability" | "secret" | "authorize";
  /** Component names of the flow's own schemas. */
  names: {
    flow: string;
    started: string;
    description: string;
    summary: string;
    current: string;
    described: string;
    data: string;
  };
  steps: StepFacts[];
}

/** `"personal-info"` → `"PersonalInfo"`. */
export function pascal(name: string): string {
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** A name not taken yet, from `wanted` (with a number appended when it is). */
export function unique(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted}${n}`;
  taken.add(name);
  return name;
}

/** Names of the shared component schemas, reserved before any flow's own. */
const shared = [
  "Problem",
  "FieldError",
  "FlowId",
  "JsonSchema",
  "Link",
  "StepStatus",
  "FlowStatus",
];

/**
 * The flows by name, newest first, each with the names its schemas take. Several
 * versions of one name are one flow: the newest is described, and what older versions
 * still served can put in a representation widens it.
 */
export function collectFlows(definitions: readonly FlowDefinition[]): FlowFacts[] {
  const taken = new Set(shared);
  const byName = new Map<string, FlowDefinition[]>();
  const add = (definition: FlowDefinition) => {
    const known = byName.get(definition.name) ?? [];
    if (known.some((other) => other.version === definition.version)) return;
    byName.set(definition.name, [...known, definition]);
  };
  for (const definition of definitions) add(definition);
  // Versions a migration comes from are served too: completed flows stay on theirs.
  for (const definition of definitions) {
    for (let at = definition.migration?.from; at; at = at.migration?.from) add(at);
  }
  return [...byName].map(([name, found]) => {
    const versions = [...found].sort((a, b) => a.version - b.version);
    const newest = versions.at(-1) as FlowDefinition;
    const stem = pascal(name);
    const access = accessKind(newest);
    const representation = unique(`${stem}Flow`, taken);
    const names = {
      flow: representation,
      started: access === "secret" ? unique(`${stem}Started`, taken) : representation,
      description: unique(`${stem}Description`, taken),
      summary: unique(`${stem}StepSummary`, taken),
      current: unique(`${stem}CurrentStep`, taken),
      described: unique(`${stem}DescribedStep`, taken),
      data: unique(`${stem}Data`, taken),
    };
    const steps = newest.steps.map((step) => {
      const stepStem = pascal(step.name);
      const body = unique(`${stem}${stepStem}`, taken);
      return {
        step,
        stem: stepStem,
        envelope: envelopeKey(step.name),
        body,
        saved: savedStepSchema(step) ? unique(`${stem}${stepStem}Saved`, taken) : body,
        representation: unique(`${stem}${stepStem}Step`, taken),
        everywhere: versions.every((version) => version.steps.some((s) => s.name === step.name)),
      };
    });
    return { name, newest, versions, stem, access, names, steps };
  });
}
