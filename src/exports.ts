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
export type {
  BonusPayment,
  CallOptions,
  GetAccountBalanceOutput,
  ListBonusPaymentsOutput,
  MTurkClientOptions,
  SendBonusOutput,
} from "./client.js";
export { isAlreadyProcessed } from "./client.js";
export type { AttemptEvent } from "./client.js";
export type { Credentials, CredentialsProvider } from "./credentials.js";
export { PRODUCTION_ENDPOINT, SANDBOX_ENDPOINT } from "./endpoint.js";
export { feeCents, formatCents, toCents } from "./money.js";
export { validateSendBonus, type ListBonusPaymentsInput, type SendBonusInput } from "./validate.js";
export { CREDENTIALS_REFRESH_WINDOW_MS } from "./credentials.js";
export type { SettledBy } from "./settle.js";
