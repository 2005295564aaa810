import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  Journal,
  JournalError,
  parseJournal,
  replay,
  unknownSince,
  type HeaderEntry,
  type JournalEntry,
} from "../../src/bulk/journal.js";
import { failed, header as headerEntry, intent, journalOf, paid, reconciled } from "./helpers.js";

const header = headerEntry({ content: "c1" });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("journal state machine", () => {
  it("knows paid, never-sent, and maybe-sent-since tokens", () => {
    const state = replay([
      header,
      intent("paid", "2026-01-01T00:00:01Z"),
      paid("paid", "2026-01-01T00:00:02Z", { requestId: "r1", attempts: 2 }),
      intent("crashed", "2026-01-01T00:00:03Z"),
      intent("unknown", "2026-01-01T00:00:04Z"),
      failed("unknown", true, "2026-01-01T00:00:05Z"),
      intent("definite", "2026-01-01T00:00:06Z"),
      failed("definite", false, "2026-01-01T00:00:07Z"),
      intent("reconciled", "2026-01-01T00:00:08Z"),
      reconciled("reconciled", false, "2026-01-02T00:00:00Z"),
    ]);
    expect(state.content).toBe("c1");
    expect(state.get("paid").paid).toEqual({ via: "sent", requestId: "r1", at: Date.parse("2026-01-01T00:00:02Z") });
    expect(state.get("paid").httpAttempts).toBe(2);
    expect(unknownSince(state.get("crashed"))).toBe(Date.parse("2026-01-01T00:00:03Z"));
    expect(unknownSince(state.get("unknown"))).toBe(Date.parse("2026-01-01T00:00:04Z"));
    expect(unknownSince(state.get("definite"))).toBeUndefined();
    expect(state.get("definite").lastError?.name).toBe("RequestError");
    expect(unknownSince(state.get("reconciled"))).toBeUndefined();
  });

  it("keeps the earliest unknown send across later sends", () => {
    const state = replay([header, intent("t", "2026-01-01T00:00:00Z"), intent("t", "2026-01-01T05:00:00Z", 2)]);
    expect(unknownSince(state.get("t"))).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(state.get("t").sends).toBe(2);
  });
});

describe("journal reader", () => {
  it("is linear: the text is decoded and measured once, not once per line", () => {
    const whole = journalOf(header, ...Array.from({ length: 2000 }, (_, i) => intent(`t${i}`, "2026-01-01T00:00:01Z")));
    const bytes = Buffer.from(`${whole}{"t":"outc`, "utf8");
    const measure = vi.spyOn(Buffer, "byteLength");
    const decode = vi.spyOn(Buffer.prototype, "toString");
    try {
      const contents = parseJournal(bytes);
      expect(contents.entries, "entries").toHaveLength(2001);
      expect(contents.torn, "torn").toBe(true);
      expect(contents.validLength, "length of the whole lines").toBe(Buffer.from(whole).length);
      expect(measure.mock.calls.length + decode.mock.calls.length, "decodings and measurements").toBeLessThanOrEqual(2);
    } finally {
      measure.mockRestore();
      decode.mockRestore();
    }
  });
});

describe("journal file", () => {
  it("creates, appends durably, and reopens with the same entries", async () => {
    const path = join(dir, "j.jsonl");
    const journal = Journal.open(path, (existing) => {
      expect(existing).toBeUndefined();
      return header;
    });
    await journal.append(intent("t", "2026-01-01T00:00:01Z"));
    await journal.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const again = Journal.open(path, (existing) => existing?.header as HeaderEntry);
    expect(again.entries.map((e) => e.t)).toEqual(["header", "intent"]);
    await again.close();
  });

  it("drops and cuts off a torn last line, so the next append starts on a fresh line", async () => {
    const path = join(dir, "j.jsonl");
    writeFileSync(path, `${journalOf(header, intent("t", "2026-01-01T00:00:01Z"))}{"t":"outcome","tok`); // torn mid-line
    const journal = Journal.open(path, (existing) => existing?.header as HeaderEntry);
    expect(journal.repairedTornLine).toBe(true);
    expect(journal.entries).toHaveLength(2);
    await journal.append(paid("t", "2026-01-01T00:00:02Z"));
    await journal.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as JournalEntry).t)).toEqual(["header", "intent", "outcome"]);
  });

  it("starts afresh when even the header was torn", async () => {
    const path = join(dir, "j.jsonl");
    writeFileSync(path, '{"t":"hea');
    const journal = Journal.open(path, (existing) => {
      expect(existing).toBeUndefined();
      return header;
    });
    await journal.close();
    expect(parseJournal(readFileSync(path, "utf8")).entries).toEqual([header]);
  });

  it("refuses a damaged line that is not the last, and a file that is not a journal", () => {
    expect(() => parseJournal(`${journalOf(header)}garbage\n${journalOf(header)}`)).toThrow(
      /line 2 is not a journal entry/,
    );
    expect(() => parseJournal(journalOf(intent("t", "2026-01-01T00:00:00Z")))).toThrow(/not a journal header/);
    // A tail of NUL bytes (a power cut) counts as torn.
    expect(parseJournal(`${journalOf(header)}\0\0\0\0`).torn).toBe(true);
  });

  it("is locked while open, and a pid file left by an older version's dead run is taken over", async () => {
    const path = join(dir, "j.jsonl");
    const journal = Journal.open(path, () => header);
    expect(() => Journal.open(path, () => header)).toThrow(JournalError);
    await journal.close();
    writeFileSync(`${path}.lock`, `${process.ppid}\n`); // an older version's pid file, its process alive
    expect(() => Journal.open(path, () => header)).toThrow(/in use by another run \(process \d+\)/);
    appendFileSync(`${path}.lock`, "");
    writeFileSync(`${path}.lock`, "2147483646\n"); // no such process
    const again = Journal.open(path, (existing) => existing?.header as HeaderEntry);
    await again.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
