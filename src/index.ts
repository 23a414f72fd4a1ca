export { type ErrorCode, errorCodes, type FieldError, WaymarkError } from "./errors.ts";
export { defineFlow, defineStep, parseDuration } from "./flow/define.ts";
export {
  createRecord,
  currentStep,
  findStep,
  flowStatus,
  isExpired,
  planSteps,
  type SubmitResult,
  submitStep,
} from "./flow/engine.ts";
export { createRegistry, type FlowRegistry } from "./flow/registry.ts";
export type {
  CheckContext,
  CompletedFlow,
  DefinedStep,
  FlowData,
  FlowDefinition,
  FlowDefinitionInput,
  FlowRecord,
  JsonSchema,
  StepDefinition,
  StepState,
  StepStatus,
} from "./flow/types.ts";
export { createWaymark, type Logger, type Waymark, type WaymarkOptions } from "./http/app.ts";
export { problemType } from "./http/problem.ts";
export type { FlowStore } from "./store/types.ts";
