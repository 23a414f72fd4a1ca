import { currentStep, flowStatus, planSteps } from "../flow/engine.ts";
import type { DefinedStep, FlowDefinition, FlowRecord } from "../flow/types.ts";

/** The path of a flow, relative to where the handler is mounted. */
export function flowPath(record: FlowRecord): string {
  return `/${record.flow}/${encodeURIComponent(record.id)}`;
}

/** The path of one step of a flow. */
export function stepPath(record: FlowRecord, step: { number: number }): string {
  return `${flowPath(record)}/step/${step.number}`;
}

/** The strong ETag of a record: it changes exactly when the record changes. */
export function etag(record: FlowRecord): string {
  return `"v${record.version}"`;
}

/**
 * The flow as clients see it: everything needed to drive it without knowing the
 * definition in advance.
 */
export function flowRepresentation(definition: FlowDefinition, record: FlowRecord) {
  const current = currentStep(definition, record.data);
  const self = flowPath(record);
  return {
    flowId: record.id,
    flow: record.flow,
    definitionVersion: record.definitionVersion,
    version: record.version,
    status: flowStatus(definition, record.data),
    steps: planSteps(definition, record.data).map((step) => ({
      ...step,
      href: stepPath(record, step),
    })),
    ...(current ? { currentStep: currentStepRepresentation(record, current) } : {}),
    data: record.data,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    expiresAt: iso(record.expiresAt),
    links: {
      self: { href: self },
      ...(current ? { current: { href: stepPath(record, current) } } : {}),
    },
  };
}

/** One step: its status, saved data and JSON Schema, to prefill a form. */
export function stepRepresentation(
  definition: FlowDefinition,
  record: FlowRecord,
  step: DefinedStep,
) {
  const state = planSteps(definition, record.data)[step.number - 1];
  return {
    flowId: record.id,
    number: step.number,
    name: step.name,
    title: step.title,
    status: state?.status,
    data: record.data[step.name] ?? null,
    schema: step.jsonSchema,
    href: stepPath(record, step),
    links: { flow: { href: flowPath(record) } },
  };
}

function currentStepRepresentation(record: FlowRecord, step: DefinedStep) {
  return {
    number: step.number,
    name: step.name,
    title: step.title,
    href: stepPath(record, step),
    schema: step.jsonSchema,
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
