import type { FlowValue, ProblemDocument, StepValue } from "../../src/client/index.ts";

// The page talks to the API through the typed client, for any flow (so step data is
// loosely typed), and names the contract's shapes as it uses them. Types only here.
export type {
  CurrentStep,
  DescribedStep,
  FieldError,
  FlowDescription,
  FlowHandle,
  JsonSchema,
  StepStatus,
  StepSummary as StepState,
} from "../../src/client/index.ts";

/** `GET /{flow}/{flowId}`: everything needed to drive the flow. */
export type Flow = FlowValue;

/** `GET /{flow}/{flowId}/step/{n}`: one step with its saved data. */
export type Step = StepValue;

/** A problem+json answer, or the client's own for an answer that never came (status 0). */
export type Problem = ProblemDocument;
