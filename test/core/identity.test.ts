import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  bonusKey,
  deriveToken,
  paymentKey,
  portableSha256,
  TOKEN_PREFIX,
  type Sha256Sync,
} from "../../src/identity.js";

const nodeSha256: Sha256Sync = (text) => new Uint8Array(createHash("sha256").update(text, "utf8").digest());
const bonus = { WorkerId: "A1WORKER", AssignmentId: "3ASSIGN", cents: 150, Reason: "Thanks — très bien" };

describe("a bonus's identity", () => {
  it("derives the same token from the same bonus, whatever hash implementation computes it", () => {
    for (let occurrence = 0; occurrence < 50; occurrence++) {
      const reason = `${bonus.Reason} ${"x".repeat(occurrence * 7)}`;
      expect(deriveToken("ns", { ...bonus, Reason: reason }, occurrence, nodeSha256)).toBe(
        deriveToken("ns", { ...bonus, Reason: reason }, occurrence),
      );
    }
  });

  it("encodes the digest as base64url, the same as Node's encoder", () => {
    const expected = Buffer.from(
      nodeSha256(
        JSON.stringify([
          "mturk-bonus/token/v2",
          "ns",
          bonus.WorkerId,
          bonus.AssignmentId,
          bonus.cents,
          bonus.Reason,
          0,
        ]),
      ),
    )
      .toString("base64url")
      .slice(0, 43);
    expect(deriveToken("ns", bonus)).toBe(TOKEN_PREFIX + expected);
    expect(deriveToken("ns", bonus).length).toBeLessThanOrEqual(64);
  });

  it("gives a different token to any change in namespace, worker, assignment, amount, reason or occurrence", () => {
    const token = deriveToken("ns", bonus);
    const others = [
      deriveToken("other", bonus),
      deriveToken("ns", { ...bonus, WorkerId: "A1WORKES" }),
      deriveToken("ns", { ...bonus, AssignmentId: "3ASSIGM" }),
      deriveToken("ns", { ...bonus, cents: 151 }),
      deriveToken("ns", { ...bonus, Reason: `${bonus.Reason}.` }),
      deriveToken("ns", bonus, 1),
    ];
    expect(new Set([token, ...others]).size).toBe(others.length + 1);
  });

  it("keys bonuses by what they pay, not by how the fields are split", () => {
    expect(bonusKey({ WorkerId: "A1", AssignmentId: "B", cents: 1, Reason: "C" })).not.toBe(
      bonusKey({ WorkerId: "A1B", AssignmentId: "", cents: 1, Reason: "C" }),
    );
    expect(bonusKey(bonus)).toBe(bonusKey({ ...bonus }));
    expect(portableSha256("abc")).toEqual(nodeSha256("abc"));
  });

  it("keys a listed payment as the bonus it pays, whatever way its amount is written", () => {
    const listed = { WorkerId: bonus.WorkerId, AssignmentId: bonus.AssignmentId, Reason: bonus.Reason };
    expect(paymentKey({ ...listed, BonusAmount: "1.50" }), "two decimals").toBe(bonusKey(bonus));
    expect(paymentKey({ ...listed, BonusAmount: "1.5" }), "one decimal").toBe(bonusKey(bonus));
    expect(paymentKey({ ...listed, BonusAmount: "1.51" }), "another amount").not.toBe(bonusKey(bonus));
    expect(paymentKey({ ...listed, BonusAmount: "$1.50" }), "not an amount MTurk pays").toBeUndefined();
  });
});
