export type * from "./contract/index.ts";
export { fieldErrorCodes } from "./contract/problem.ts";
export type { Deliverer } from "./delivery/deliverer.ts";
export type { WebhookEndpoint } from "./delivery/destinations.ts";
export { type ErrorCode, errorCodes, type FieldError, WaymarkError } from "./errors.ts";
export { defineFlow, defineStep, parseDuration } from "./flow/define.ts";
export {
  diffFlows,
  type FlowChange,
  type FlowChangeKind,
  type SchemaChangeKind,
} from "./flow/diff.ts";
export {
  createRecord,
  currentStep,
  findStep,
  flowStatus,
  isExpired,
  lifetime,
  planSteps,
  type SubmitResult,
  submitStep,
} from "./flow/engine.ts";
export type { FlowEvent, FlowEventType } from "./flow/events.ts";
export { type Migrated, migrateRecord, restartRecord } from "./flow/migrate.ts";
export { createRegistry, type FlowRegistry } from "./flow/registry.ts";
export type {
  AccessPolicy,
  AuthorizeContext,
  AuthorizedFlow,
  AuthorizeResult,
  CheckContext,
  CompletedFlow,
  CompletingFlow,
  DefinedFlow,
  DefinedStep,
  FlowAccess,
  FlowBuilder,
  FlowData,
  FlowDataOf,
  FlowDefinition,
  FlowDefinitionInput,
  FlowMessages,
  FlowMigration,
  FlowOperation,
  FlowRecord,
  FlowSettings,
  JsonSchema,
  MigratedData,
  RecordAccess,
  RecordMigratedFrom,
  RetiredPolicy,
  ReturnedStep,
  StepDefinition,
  StepInput,
  StepName,
  StepOutput,
  StepState,
  StepStatus,
} from "./flow/types.ts";
export {
  createWaymark,
  type DeliveryOptions,
  type HandlerOptions,
  type Logger,
  type Waymark,
  type WaymarkHandler,
  type WaymarkOptions,
} from "./http/app.ts";
export type { CorsOptions } from "./http/cors.ts";
export type { FlowStateEvent, LiveUpdateOptions, LiveUpdates } from "./http/live-updates.ts";
export {
  createOpenApiDocument,
  type OpenApiDocument,
  type OpenApiOptions,
  type OpenApiSettings,
} from "./http/openapi.ts";
export { minAdminTokenLength } from "./http/operator.ts";
export { problemType } from "./http/problem.ts";
export {
  type ConnectionInfo,
  lastForwardedFor,
  type RateLimitCount,
  type RateLimitOptions,
  type RateLimitStore,
} from "./http/rate-limit.ts";
export type { MetricsOptions, WaymarkMetrics } from "./observe/metrics.ts";
export type { Caller } from "./service/access.ts";
export { tombstoneKey } from "./service/effects.ts";
export { createFlowService } from "./service/flows.ts";
export {
  type FlowFollow,
  type FlowNotice,
  type FollowInput,
  followFlow,
} from "./service/follow.ts";
export { computeFunnel, type FunnelInput } from "./service/funnel.ts";
export { evaluatePreconditions, type Preconditions } from "./service/preconditions.ts";
export type {
  FlowKeeping,
  FlowObserver,
  FlowService,
  FlowServiceOptions,
  FlowView,
  Freshness,
  ReadInput,
  ServiceLogger,
  StartedFlow,
  StepView,
  StepWriteOutcome,
  SubmitOutcome,
} from "./service/types.ts";
export type {
  Delivery,
  DeliveryClaim,
  DeliveryOutcome,
  DeliveryPage,
  DeliveryQuery,
  FlowStore,
  IdempotencyClaim,
  IdempotencyClaimResult,
  IdempotencyEntry,
  NewDelivery,
  RejectionCount,
  RejectionQuery,
  StepRejection,
  StoreCapabilities,
  StoredResponse,
  WriteEffects,
} from "./store/types.ts";
