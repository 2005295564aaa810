import { describe, expect, it } from "vitest";
import { bindJournal, JournalError, type JournalBinding, type JournalContents } from "../../src/bulk/journal.js";
import { header, runEntry } from "./helpers.js";

const wanted: JournalBinding = {
  fallbackBatchId: "auto",
  content: "c1",
  target: "sandbox",
  namespace: "ns",
  explicitNamespace: false,
  acceptChangedInput: false,
  now: 0,
};
const existing = (...entries: JournalContents["entries"]): JournalContents => ({
  header: header(),
  entries: [header(), ...entries],
  validLength: 0,
  torn: false,
});

function refusal(bind: () => unknown): JournalError {
  try {
    bind();
  } catch (error) {
    expect(error, "the class").toBeInstanceOf(JournalError);
    expect((error as JournalError).reason, "reason").toBe("mismatch");
    return error as JournalError;
  }
  throw new Error("expected a JournalError");
}

describe("the journal's header check", () => {
  it("writes a new journal's header from what the payout wants", () => {
    expect(
      bindJournal("j", undefined, { ...wanted, input: "rows.csv", now: Date.parse("2026-01-01T00:00:00Z") }),
    ).toEqual({
      t: "header",
      v: 2,
      batchId: "auto",
      content: "c1",
      target: "sandbox",
      namespace: "ns",
      input: "rows.csv",
      at: "2026-01-01T00:00:00.000Z",
    });
  });

  it("resumes a journal of the same batch, target and rows, whatever batch id it has when none is asked for", () => {
    expect(bindJournal("j", existing(), wanted), "its own header").toEqual(header());
  });

  it("refuses another batch, another target, or another namespace asked for explicitly", () => {
    expect(refusal(() => bindJournal("j", existing(), { ...wanted, batchId: "b2" })).message, "batch").toMatch(
      /belongs to batch b1, not b2/,
    );
    expect(refusal(() => bindJournal("j", existing(), { ...wanted, target: "production" })).message, "target").toMatch(
      /records payments to sandbox, not production/,
    );
    expect(
      refusal(() => bindJournal("j", existing(), { ...wanted, namespace: "other", explicitNamespace: true })).message,
      "namespace",
    ).toMatch(/namespace "ns", not "other"/);
    expect(
      bindJournal("j", existing(), { ...wanted, namespace: "other" }),
      "a default namespace resumes the journal's",
    ).toEqual(header());
  });

  it("refuses changed rows unless the change is accepted, and knows a change accepted earlier", () => {
    expect(refusal(() => bindJournal("j", existing(), { ...wanted, content: "c2" })).message, "changed").toMatch(
      /was started for different rows/,
    );
    expect(bindJournal("j", existing(), { ...wanted, content: "c2", acceptChangedInput: true }), "accepted").toEqual(
      header(),
    );
    expect(
      bindJournal("j", existing(runEntry({ content: "c2" })), { ...wanted, content: "c2" }),
      "accepted in an earlier run",
    ).toEqual(header());
  });
});
