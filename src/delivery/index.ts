export {
  createDeliverer,
  type Deliverer,
  type DelivererOptions,
  type DeliveryLogger,
  type EventHandler,
  type OutboxStore,
} from "./deliverer.ts";
export {
  COMPLETION_HANDLER,
  destinationsFor,
  handlerDestination,
  type WebhookEndpoint,
  webhookDestination,
} from "./destinations.ts";
export {
  type AfterFailure,
  afterFailure,
  FIRST_RETRY_MS,
  GIVE_UP_AFTER_MS,
  MAX_RETRY_MS,
  retryDelayMs,
} from "./schedule.ts";
export {
  type AttemptResult,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  type Fetch,
  sendWebhook,
  type WebhookPayload,
  webhookPayload,
} from "./webhook.ts";
