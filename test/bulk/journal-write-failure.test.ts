/** A journal write that fails part-way (a full disk) leaves no half line behind the entries that follow. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";

const disk = vi.hoisted(() => ({ fullAfter: undefined as number | undefined, short: false }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, buffer: Uint8Array, offset: number, length: number) => {
    if (disk.short) {
      // A short write: fewer bytes than asked, then no progress at all (a full disk that does not say so).
      disk.short = false;
      return fs.writeSync(fd, buffer, offset, Math.min(length, 7));
    }
    if (disk.fullAfter === undefined) return fs.writeSync(fd, buffer, offset, length);
    const room = Math.min(length, disk.fullAfter);
    if (room > 0) fs.writeSync(fd, buffer, offset, room);
    disk.fullAfter = undefined;
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { Journal, parseJournal } = await import("../../src/bulk/journal.js");
const { header: headerEntry, intent } = await import("./helpers.js");

const dir = mkdtempSync(join(tmpdir(), "journal-full-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = headerEntry();
/** What the journal holds: each entry's kind, or an intent's token. */
const kept = (contents: { entries: readonly { t: string; token?: string }[] }) =>
  contents.entries.map((e) => (e.t === "intent" ? e.token : e.t));

it("cuts a half-written entry back off, so later entries follow whole lines and the journal stays readable", async () => {
  const path = join(dir, "j.jsonl");
  const journal = Journal.open(path, () => header);
  disk.fullAfter = 10;
  await expect(journal.append(intent("lost"))).rejects.toThrow("ENOSPC");
  await journal.append(intent("kept"));
  await journal.close();
  const contents = parseJournal(readFileSync(path, "utf8"), path);
  expect(contents.torn, "torn").toBe(false);
  expect(kept(contents), "entries").toEqual(["header", "kept"]);
});

it("finishes a short write, so an entry is never half on disk while reported written", async () => {
  const path = join(dir, "short.jsonl");
  const journal = Journal.open(path, () => header);
  disk.short = true;
  await journal.append(intent("whole"));
  await journal.close();
  const contents = parseJournal(readFileSync(path, "utf8"), path);
  expect(contents.torn, "torn").toBe(false);
  expect(kept(contents), "entries").toEqual(["header", "whole"]);
});
