/**
 * Builds the unsigned AWS JSON 1.1 request for an MTurk operation: `POST`,
 * the `X-Amz-Target` naming the operation, and a JSON body with exactly the
 * given fields in the service model's order.
 */
import type { Endpoint } from "./endpoint.js";
import type { ListBonusPaymentsInput, Operation, SendBonusInput } from "./model.js";

export type { Operation } from "./model.js";

export const TARGET_PREFIX = "MTurkRequesterServiceV20170117";
export const CONTENT_TYPE = "application/x-amz-json-1.1";

/** A request as the signer (`sign.ts`) takes it. */
export interface UnsignedRequest {
  method: "POST";
  protocol: string;
  hostname: string;
  port: number | undefined;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** The `SendBonus` body: the model's member order, absent members omitted. */
export function serializeSendBonus(input: SendBonusInput & { UniqueRequestToken: string }): string {
  return JSON.stringify({
    WorkerId: input.WorkerId,
    BonusAmount: input.BonusAmount,
    AssignmentId: input.AssignmentId,
    Reason: input.Reason,
    UniqueRequestToken: input.UniqueRequestToken,
  });
}

/** The `ListBonusPayments` body for one assignment's page. */
export function serializeListBonusPayments(input: ListBonusPaymentsInput): string {
  return JSON.stringify({ AssignmentId: input.AssignmentId, MaxResults: input.MaxResults, NextToken: input.NextToken });
}

/**
 * A fresh request for one attempt. Built anew each time because the signer
 * adds headers to what it is given, and every attempt is signed afresh.
 */
export function buildRequest(endpoint: Endpoint, operation: Operation, body: string): UnsignedRequest {
  return {
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port,
    path: endpoint.path,
    query: {},
    headers: {
      host: endpoint.host,
      "content-type": CONTENT_TYPE,
      "x-amz-target": `${TARGET_PREFIX}.${operation}`,
    },
    body,
  };
}
