/** A journal write that fails part-way (a full disk) leaves no half line behind the entries that follow. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";

const disk = vi.hoisted(() => ({ fullAfter: undefined as number | undefined }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, buffer: Uint8Array, offset: number, length: number) => {
    if (disk.fullAfter === undefined) return fs.writeSync(fd, buffer, offset, length);
    const room = Math.min(length, disk.fullAfter);
    if (room > 0) fs.writeSync(fd, buffer, offset, room);
    disk.fullAfter = undefined;
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { Journal, parseJournal } = await import("../../src/bulk/journal.js");

const dir = mkdtempSync(join(tmpdir(), "journal-full-"));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("cuts a half-written entry back off, so later entries follow whole lines and the journal stays readable", () => {
  const path = join(dir, "j.jsonl");
  const header = { t: "header", v: 1, batchId: "b", content: "c", target: "sandbox", at: "2026-01-01T00:00:00.000Z" } as const;
  const journal = Journal.open(path, () => header);
  const intent = (token: string) => ({ t: "intent", token, line: 2, WorkerId: "A1", AssignmentId: "3X", BonusAmount: "1.00", Reason: "r", n: 1, at: "2026-01-01T00:00:01Z" }) as const;
  disk.fullAfter = 10;
  expect(() => journal.append(intent("lost"))).toThrow("ENOSPC");
  journal.append(intent("kept"));
  journal.close();
  const contents = parseJournal(readFileSync(path, "utf8"), path);
  expect([contents.torn, contents.entries.map((e) => (e.t === "intent" ? e.token : e.t))]).toEqual([false, ["header", "kept"]]);
});
