/**
 * `waymark/client`: a typed client for a Waymark API, for browsers and Node. It loads no
 * server code: flow definitions are used as types only.
 */
export type * from "../contract/index.ts";
export { createClient } from "./client.ts";
export { clientProblemTypes } from "./problems.ts";
export type {
  Client,
  ClientFlowData,
  ClientOptions,
  FlowHandle,
  FlowValue,
  HeaderValues,
  Result,
  ResumeOptions,
  RetryOptions,
  StartOptions,
  StepData,
  StepValue,
  WriteOptions,
} from "./types.ts";
