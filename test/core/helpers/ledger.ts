/** A minimal MTurk bonus ledger that deduplicates by UniqueRequestToken, as MTurk does. */
import type { CapturedRequest, Handler, Reply } from "./fake-mturk.js";
import { OK, alreadyProcessed } from "./fixtures.js";

export interface Ledger {
  /** Bonuses recorded, one per token. */
  readonly paid: Map<string, { WorkerId: string; BonusAmount: string; AssignmentId: string }>;
  /** Pays (once per token), then answers with `afterPaying` for the first `lost` requests, normally afterwards. */
  handler(afterPaying: Reply, lost?: number): Handler;
}

export function createLedger(): Ledger {
  const paid: Ledger["paid"] = new Map();
  return {
    paid,
    handler(afterPaying, lost = 1) {
      let answered = 0;
      return (request: CapturedRequest): Reply => {
        const body = JSON.parse(request.body) as {
          WorkerId: string;
          BonusAmount: string;
          AssignmentId: string;
          UniqueRequestToken: string;
        };
        if (paid.has(body.UniqueRequestToken)) return alreadyProcessed(body.UniqueRequestToken);
        paid.set(body.UniqueRequestToken, {
          WorkerId: body.WorkerId,
          BonusAmount: body.BonusAmount,
          AssignmentId: body.AssignmentId,
        });
        return answered++ < lost ? afterPaying : OK;
      };
    },
  };
}
