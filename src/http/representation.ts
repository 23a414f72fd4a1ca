import type {
  CurrentStep,
  FlowDescription,
  FlowHistory,
  FlowRepresentation,
  StepRepresentation,
} from "../contract/representation.ts";
import type { FlowEvent } from "../flow/events.ts";
import { localSchema } from "../flow/localize.ts";
import { flowText } from "../flow/messages.ts";
import type { FlowDefinition, FlowRecord } from "../flow/types.ts";
import { accessKind } from "../service/access.ts";
import type { FlowView, StepView } from "../service/types.ts";

/**
 * The path of a flow: `basePath`, the flow's name and what clients address it by (the
 * record's id, or in token mode the sealed record; both URL-safe as they are).
 */
export function flowPath(base: string, record: FlowRecord, flowId: string): string {
  return `${base}/${record.flow}/${flowId}`;
}

function stepPath(self: string, step: { number: number }): string {
  return `${self}/step/${step.number}`;
}

/**
 * The flow as clients see it: everything needed to drive it without knowing the
 * definition in advance. Links include `base`, where the handler is mounted. Its texts
 * (the flow's and steps' titles, the current step's schema) are in `locale` where the
 * flow's `messages` translate them.
 *
 * @throws WaymarkError `definition-error` when a `messages` function throws.
 */
export function flowRepresentation(
  view: FlowView,
  base: string,
  locale: string,
): FlowRepresentation {
  const { definition, record, flowId, plan } = view;
  const text = (written: string) => flowText(definition, locale, written);
  const state = plan.find((step) => step.status === "current");
  const current = state ? definition.steps[state.number - 1] : undefined;
  const self = flowPath(base, record, flowId);
  const returned = current && record.returnedSteps?.[current.name];
  const currentStep: CurrentStep | undefined = current && {
    number: current.number,
    name: current.name,
    title: text(current.title),
    href: stepPath(self, current),
    schema: localSchema(definition, current, locale),
    ...(returned ? { errors: [...returned.errors] } : {}),
  };
  return {
    flowId,
    flow: record.flow,
    title: text(definition.title),
    definitionVersion: record.definitionVersion,
    ...(record.migratedFrom
      ? {
          migratedFrom: {
            definitionVersion: record.migratedFrom.version,
            at: iso(record.migratedFrom.at),
          },
        }
      : {}),
    version: record.version,
    status: current ? "in_progress" : "completed",
    steps: plan.map((step) => ({ ...step, title: text(step.title), href: stepPath(self, step) })),
    ...(currentStep ? { currentStep } : {}),
    data: record.data as FlowRepresentation["data"],
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    expiresAt: iso(record.expiresAt),
    links: {
      self: { href: self },
      ...(currentStep ? { current: { href: currentStep.href } } : {}),
    },
  };
}

/**
 * One step: its status, saved data and JSON Schema, to prefill a form; its title and
 * schema in `locale` where the flow's `messages` translate them.
 *
 * @throws WaymarkError `definition-error` when a `messages` function throws.
 */
export function stepRepresentation(
  view: StepView,
  base: string,
  locale: string,
): StepRepresentation {
  const { definition, record, step, flowId, plan } = view;
  const self = flowPath(base, record, flowId);
  const status = plan[step.number - 1]?.status ?? "pending";
  const returned = status === "done" ? undefined : record.returnedSteps?.[step.name];
  return {
    flowId,
    number: step.number,
    name: step.name,
    title: flowText(definition, locale, step.title),
    status,
    data: (returned?.data ?? record.data[step.name] ?? null) as Record<string, unknown> | null,
    ...(returned ? { errors: [...returned.errors] } : {}),
    schema: localSchema(definition, step, locale),
    href: stepPath(self, step),
    links: { flow: { href: self } },
  };
}

/**
 * A flow described from its newest definition, for `GET /{flow}`, its texts in `locale`
 * where the flow's `messages` translate them.
 *
 * @throws WaymarkError `definition-error` when a `messages` function throws.
 */
export function flowDescription(
  definition: FlowDefinition,
  base: string,
  locale: string,
): FlowDescription {
  const text = (written: string) => flowText(definition, locale, written);
  return {
    flow: definition.name,
    title: text(definition.title),
    ...(definition.description === undefined ? {} : { description: text(definition.description) }),
    definitionVersion: definition.version,
    ttlMs: definition.ttlMs,
    access: accessKind(definition),
    steps: definition.steps.map((step) => ({
      number: step.number,
      name: step.name,
      title: text(step.title),
      conditional: step.when !== undefined,
      schema: localSchema(definition, step, locale),
    })),
    links: { start: { href: `${base}/${definition.name}`, method: "POST" } },
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The most events one history answer holds. */
export const maxHistoryEvents = 10_000;

/**
 * The body of `GET /{flow}/{flowId}/history`: each event as the contract spells it (its
 * time as RFC 3339), without the store key it was kept under; the newest
 * {@link maxHistoryEvents} when there are more, with how many were `omitted`.
 *
 * @example historyRepresentation("onboarding", id, events).events[0]?.type // "flow.started"
 */
export function historyRepresentation(
  flow: string,
  flowId: string,
  all: readonly FlowEvent[],
): FlowHistory {
  const omitted = Math.max(0, all.length - maxHistoryEvents);
  const events = all.slice(omitted);
  return {
    flow,
    flowId,
    ...(omitted > 0 ? { omitted } : {}),
    events: events.map(({ flowKey: _key, flow: _flow, index: _index, at, ...event }) => ({
      ...event,
      at: new Date(at).toISOString(),
    })),
  };
}
