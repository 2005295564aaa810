/** What both builds export besides the client class itself. */
export {
  AbortError,
  ClientDestroyedError,
  CredentialsProviderError,
  isMTurkError,
  MTurkError,
  RequestError,
  ServiceFault,
  ThrottlingException,
  TimeoutError,
  TransportError,
  UnexpectedResponseError,
  ValidationError,
  type MTurkErrorInit,
  type ResponseMetadata,
} from "./errors.js";
export type { CallOptions, MTurkClientOptions } from "./client.js";
export type { BonusPayment, GetAccountBalanceOutput, ListBonusPaymentsOutput, SendBonusOutput } from "./model.js";
export { isAlreadyProcessed } from "./client.js";
export type { AttemptEvent } from "./client.js";
export type { Credentials, CredentialsProvider } from "./credentials.js";
export { PRODUCTION_ENDPOINT, SANDBOX_ENDPOINT } from "./endpoint.js";
export { feeCents, formatCents, toCents } from "./money.js";
export { validateSendBonus } from "./validate.js";
export type { ListBonusPaymentsInput, SendBonusInput } from "./model.js";
export { CREDENTIALS_REFRESH_WINDOW_MS } from "./credentials.js";
export type { SettledBy } from "./settle.js";
