import { planSteps } from "../flow/engine.ts";
import type { DefinedStep, FlowDefinition, FlowRecord } from "../flow/types.ts";

/**
 * The path of a flow, relative to where the handler is mounted. `flowId` is what clients
 * address the flow by: the record's id, or in token mode the sealed record itself; both
 * are URL-safe as they are (the routes refuse any other id).
 */
export function flowPath(record: FlowRecord, flowId: string): string {
  return `/${record.flow}/${flowId}`;
}

function stepPath(self: string, step: { number: number }): string {
  return `${self}/step/${step.number}`;
}

/** The strong ETag of a record: it changes exactly when the record changes. */
export function etag(record: FlowRecord): string {
  return `"v${record.version}"`;
}

/**
 * The flow as clients see it: everything needed to drive it without knowing the
 * definition in advance.
 */
export function flowRepresentation(definition: FlowDefinition, record: FlowRecord, flowId: string) {
  // One plan serves the statuses, the current step and completion.
  const plan = planSteps(definition, record.data);
  const state = plan.find((step) => step.status === "current");
  const current = state ? definition.steps[state.number - 1] : undefined;
  const self = flowPath(record, flowId);
  return {
    flowId,
    flow: record.flow,
    title: definition.title,
    definitionVersion: record.definitionVersion,
    version: record.version,
    status: current ? "in_progress" : "completed",
    steps: plan.map((step) => ({
      ...step,
      href: stepPath(self, step),
    })),
    ...(current ? { currentStep: currentStepRepresentation(self, current) } : {}),
    data: record.data,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    expiresAt: iso(record.expiresAt),
    links: {
      self: { href: self },
      ...(current ? { current: { href: stepPath(self, current) } } : {}),
    },
  };
}

/** One step: its status, saved data and JSON Schema, to prefill a form. */
export function stepRepresentation(
  definition: FlowDefinition,
  record: FlowRecord,
  step: DefinedStep,
  flowId: string,
) {
  const state = planSteps(definition, record.data)[step.number - 1];
  const self = flowPath(record, flowId);
  return {
    flowId,
    number: step.number,
    name: step.name,
    title: step.title,
    status: state?.status,
    data: record.data[step.name] ?? null,
    schema: step.jsonSchema,
    href: stepPath(self, step),
    links: { flow: { href: self } },
  };
}

function currentStepRepresentation(self: string, step: DefinedStep) {
  return {
    number: step.number,
    name: step.name,
    title: step.title,
    href: stepPath(self, step),
    schema: step.jsonSchema,
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
