/** `mturk-bonus simulate` and `mturk-bonus demo` (npm start). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { run as demo } from "../../src/cli/demo.js";
import { run as simulate } from "../../src/cli/simulate.js";

function captureStdout(): { text: () => string } {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  return { text: () => chunks.join("") };
}

function captureStderr(): { text: () => string } {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join("") };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("mturk-bonus simulate", () => {
  it("prints its URL first, serves the ledger, and exits 0 on SIGINT", async () => {
    const out = captureStdout();
    const running = simulate(["--port", "0", "--balance", "12.00", "--fault", "throttle:1"]);
    try {
      await vi.waitFor(() => expect(out.text()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n/), {
        timeout: 2_000,
        interval: 5,
      });
      const url = out.text().split("\n")[0];
      const ledger = (await (await fetch(`${url}/__ledger`)).json()) as { balance: string; faults: unknown[] };
      expect(ledger).toMatchObject({ balance: "12.00", faults: [{ kind: "throttle", count: 1 }] });
    } finally {
      // Stops the simulator even when an assertion above failed, so no server outlives the test.
      process.emit("SIGINT");
    }
    expect(await running).toBe(0);
  });

  it("refuses a malformed balance with exit code 2 and says why", async () => {
    const err = captureStderr();
    expect(await simulate(["--balance", "12.345"])).toBe(2);
    expect(err.text()).toContain("balance must be a dollar amount");
  });

  it("refuses a seed that is not a whole number with exit code 2", async () => {
    const err = captureStderr();
    expect(await simulate(["--seed", "lucky"])).toBe(2);
    expect(err.text()).toContain("--seed must be a non-negative whole number");
  });

  it("refuses an unknown fault kind with exit code 2", async () => {
    captureStdout();
    expect(await simulate(["--fault", "meteor"])).toBe(2);
  });

  it("refuses an unknown option with exit code 2 and its usage line, as every command does", async () => {
    const err = captureStderr();
    expect(await simulate(["--prot", "0"]), "exit code").toBe(2);
    expect(err.text(), "stderr").toContain("mturk-bonus simulate: unknown option --prot (did you mean --port?)");
    expect(err.text(), "usage line").toContain("Usage: mturk-bonus simulate [options]");
  });

  it("refuses a port out of range with exit code 2", async () => {
    captureStdout();
    expect(await simulate(["--port", "70000"])).toBe(2);
  });
});

describe("mturk-bonus demo", () => {
  it("prints its usage on --help and exits 0", async () => {
    const out = captureStdout();
    expect(await demo(["--help"])).toBe(0);
    expect(out.text()).toMatch(/^Usage: mturk-bonus demo\n/);
  });

  it("refuses an unknown option with exit code 2, naming it, under the shared CLI conventions", async () => {
    const err = captureStderr();
    expect(await demo(["--fast"]), "exit code").toBe(2);
    expect(err.text(), "stderr").toContain("mturk-bonus demo: unknown option --fast");
    expect(err.text(), "usage line").toContain("Usage: mturk-bonus demo");
  });

  it("pays every bonus once through the faults, shows alreadyGranted on the re-run, and exits 0", async () => {
    const out = captureStdout();
    expect(await demo([])).toBe(0);
    expect(out.text()).toContain("alreadyGranted: true");
    expect(out.text()).toMatch(/Simulator ledger: 4 bonuses paid/);
    expect(out.text()).toContain("Each bonus was paid exactly once");
  });
});
