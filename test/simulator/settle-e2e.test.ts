/**
 * A lost answer settled by evidence, end to end: the client against the
 * simulator on both transports, with MTurk's duplicate answer in every
 * wording the simulator can give. Whatever the wording, a paid bonus is
 * reported paid (never failed) and never paid twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MTurkClient, type MTurkClientOptions, type MTurkError, type SendBonusInput } from "../../src/index.js";
import {
  DUPLICATE_WORDINGS,
  SIMULATOR_CREDENTIALS,
  startSimulator,
  type DuplicateWording,
  type Simulator,
} from "../../src/simulator/index.js";

const transports: [string, Partial<MTurkClientOptions>][] = [
  ["undici", {}],
  ["fetch", { fetch: globalThis.fetch }],
];

/** How the client settles a lost answer, by wording: named → the answer itself; otherwise → a read-back. */
const SETTLED_BY: Record<DuplicateWording, "duplicate-token" | "read-back"> = {
  token: "duplicate-token",
  // The request id that paid is the one whose answer was lost: the client never saw it.
  originalRequestId: "read-back",
  alreadyProcessed: "read-back",
  alreadyExists: "read-back",
  opaque: "read-back",
};

let serial = 0;
function bonus(overrides: Partial<SendBonusInput> = {}): SendBonusInput {
  serial++;
  return {
    WorkerId: `ASETTLE${serial}`,
    AssignmentId: `SETTLEASSIGN${serial}`,
    BonusAmount: "2.50",
    Reason: "settled by evidence",
    ...overrides,
  };
}

describe.each(transports)("settling a lost answer over %s", (_name, transport) => {
  let sim: Simulator;
  let client: MTurkClient;

  beforeAll(async () => {
    sim = await startSimulator({ balance: "1000.00" });
    client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS, timeoutMs: 5_000, ...transport });
  });

  afterAll(async () => {
    await client.destroy();
    await sim.close();
  });

  function paidTo(worker: string): number {
    return sim.ledger.bonuses.filter((b) => b.WorkerId === worker).length;
  }

  describe.each(DUPLICATE_WORDINGS)("when MTurk words the duplicate answer as %s", (wording) => {
    it(`reports the bonus paid once, settled by ${SETTLED_BY[wording]}, with our own token`, async () => {
      sim.control({
        clearFaults: true,
        duplicateWording: wording,
        faults: [{ kind: "lostAnswer", count: 1, operation: "SendBonus" }],
      });
      const input = bonus();
      const output = await client.sendBonus(input);
      expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
      expect(output.settledBy, "output.settledBy").toEqual(SETTLED_BY[wording]);
      expect(paidTo(input.WorkerId), "paidTo(input.WorkerId)").toBe(1);
    });

    it("reports the bonus paid once with a caller's token", async () => {
      sim.control({
        clearFaults: true,
        duplicateWording: wording,
        faults: [{ kind: "lostAnswer", count: 1, operation: "SendBonus" }],
      });
      const input = bonus({ UniqueRequestToken: `settle-${wording}-${serial}` });
      const output = await client.sendBonus(input);
      expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
      expect(output.settledBy, "output.settledBy").toEqual(SETTLED_BY[wording]);
      expect(paidTo(input.WorkerId), "paidTo(input.WorkerId)").toBe(1);
    });
  });

  it("settles a token re-sent by a later call (a resumed payout) when told when it was first sent", async () => {
    sim.control({ clearFaults: true, duplicateWording: "alreadyExists" });
    const input = bonus({ UniqueRequestToken: `resumed-${serial}` });
    const firstSentAt = client.serverTime() ?? new Date();
    await client.sendBonus(input);
    const again = await client.sendBonus(input, { tokenFirstSentAt: firstSentAt });
    expect(again.alreadyGranted, "again.alreadyGranted").toBe(true);
    expect(again.settledBy, "again.settledBy").toBe("read-back");
    expect(paidTo(input.WorkerId), "paidTo(input.WorkerId)").toBe(1);
  });

  it("keeps a plain refusal a refusal: a caller's token refused for funds is not read back", async () => {
    sim.control({ clearFaults: true, duplicateWording: "opaque", balance: "0.00" });
    try {
      const before = sim.ledger.counters.byOperation.ListBonusPayments ?? 0;
      const error = (await client
        .sendBonus(bonus({ UniqueRequestToken: `poor-${serial}` }))
        .catch((e: unknown) => e)) as MTurkError;
      expect(error.TurkErrorCode, "error.TurkErrorCode").toBe("AWS.MechanicalTurk.InsufficientFunds");
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(false);
      expect(
        (sim.ledger.counters.byOperation.ListBonusPayments ?? 0) - before,
        "(sim.ledger.counters.byOperation.ListBonusPayments ?? 0) …",
      ).toBe(0);
    } finally {
      sim.control({ balance: "1000.00" });
    }
  });
});

describe("the simulator's duplicateWording switch", () => {
  it("refuses an unknown wording before changing anything", async () => {
    const sim = await startSimulator();
    try {
      expect(() => sim.control({ duplicateWording: "shouting" as never, balance: "1.00" })).toThrow(
        /duplicateWording must be one of token, /,
      );
      expect(sim.ledger.balance).toBe("10000.00");
    } finally {
      await sim.close();
    }
  });
});

describe("the simulator's duplicate wording over /__control", () => {
  it("answers a repeated token in the wording set, and reset restores the starting one", async () => {
    const sim = await startSimulator({ duplicateWording: "alreadyExists" });
    const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS, maxAttempts: 1 });
    const input = { WorkerId: "AWORDING1", AssignmentId: "WORDING1", BonusAmount: "1.00", Reason: "r" };
    try {
      const messageOf = async (token: string): Promise<string> => {
        await client.sendBonus({ ...input, UniqueRequestToken: token });
        // A token of ours repeated on a first attempt: a plain refusal unless worded as a duplicate, then read back and found.
        const again = await client
          .sendBonus({ ...input, UniqueRequestToken: token })
          .catch((e: { message: string }) => e);
        return "message" in again ? again.message : `settled by ${again.settledBy}`;
      };
      const control = async (action: object) => {
        const response = await fetch(`${sim.url}/__control`, { method: "POST", body: JSON.stringify(action) });
        expect(response.status).toBe(200);
      };
      await control({ duplicateWording: "opaque" });
      expect(await messageOf("w-1")).toMatch(/^There was an error with this request\. \(\d+\)$/);
      await control({ reset: true });
      expect(await messageOf("w-2")).toBe("settled by read-back");
    } finally {
      await client.destroy();
      await sim.close();
    }
  });
});
