export { rejectsWith } from "./assertions.ts";
export { connectDevice, eventually, textMessages } from "./messaging-client.ts";
export { type PscLogin, type PscProvider, startPscProvider } from "./psc-provider.ts";
export { browserKeys, decryptPayload, type PushedRequest, startPushService } from "./push-service.ts";
export { type CliResult, runServerCli, runTypeScriptCommand } from "./run-cli.ts";
export { type ScratchDatabase, scratchDatabase } from "./scratch-database.ts";
export { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";
export { SoftwareAuthenticator } from "./software-authenticator.ts";
export {
  canceledSubscription,
  completedCheckoutSession,
  type RecordedStripeRequest,
  SAMPLE_CUSTOMER_DETAILS,
  type SignedWebhook,
  type StripeReplay,
  signedStripeEvent,
  startStripeReplay,
  stripeSignature,
  subscriptionInvoice,
} from "./stripe-replay.ts";
export { TestNetwork } from "./test-network.ts";
export {
  type OutboxMail,
  parseEml,
  type Store,
  startTestServer,
  TEST_DATABASE_URL,
  type TestServer,
  type TestUser,
  testStore,
} from "./test-server.ts";
