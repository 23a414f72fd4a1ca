/**
 * The HTTP contract's shapes, shared by the server, clients and the web wizard. Types
 * only: importing this module loads no server code.
 */
export type { FunnelReport, FunnelStep, FunnelVersion } from "./funnel.ts";
export { failedFieldLabel } from "./funnel.ts";
export type { FieldError, FieldErrorCode, FieldErrorParam, ProblemDocument } from "./problem.ts";
export { fieldErrorCodes } from "./problem.ts";
export type {
  CurrentStep,
  DescribedStep,
  FlowDescription,
  FlowEventType,
  FlowHistory,
  FlowRepresentation,
  FlowStatus,
  HistoryEvent,
  JsonSchema,
  Link,
  MigratedFrom,
  StepRepresentation,
  StepStatus,
  StepSummary,
} from "./representation.ts";
