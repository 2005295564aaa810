/** The fault schedule: counts, seeded probabilities, operation filters. */
import { describe, expect, it } from "vitest";
import { FaultSchedule, parseFaultSpec } from "../../src/simulator/faults.js";

function kinds(schedule: FaultSchedule, n: number, operation: "SendBonus" | "GetAccountBalance" = "SendBonus") {
  return Array.from({ length: n }, () => schedule.draw(operation).fault?.kind ?? "-");
}

describe("FaultSchedule", () => {
  it("hits exactly the next `count` matching requests", () => {
    expect(kinds(new FaultSchedule([{ kind: "serviceFault", count: 2 }]), 4)).toEqual([
      "serviceFault",
      "serviceFault",
      "-",
      "-",
    ]);
  });

  it("hits every request when neither count nor probability is given", () => {
    expect(kinds(new FaultSchedule([{ kind: "throttle" }]), 3)).toEqual(["throttle", "throttle", "throttle"]);
  });

  it("draws the same faults for the same seed", () => {
    const spec = [{ kind: "serviceFault" as const, probability: 0.5 }];
    expect(kinds(new FaultSchedule(spec, 42), 50)).toEqual(kinds(new FaultSchedule(spec, 42), 50));
  });

  it("hits roughly the given share of requests", () => {
    const hits = kinds(new FaultSchedule([{ kind: "serviceFault", probability: 0.3 }], 7), 1000).filter(
      (k) => k !== "-",
    ).length;
    expect(hits).toBeGreaterThan(230);
    expect(hits).toBeLessThan(370);
  });

  it("never hits with probability 0", () => {
    expect(kinds(new FaultSchedule([{ kind: "serviceFault", probability: 0 }], 1), 100)).not.toContain("serviceFault");
  });

  it("only hits the named operation and leaves its count for it", () => {
    const schedule = new FaultSchedule([{ kind: "proxy502", count: 1, operation: "SendBonus" }]);
    expect(kinds(schedule, 2, "GetAccountBalance")).toEqual(["-", "-"]);
    expect(kinds(schedule, 1, "SendBonus")).toEqual(["proxy502"]);
  });

  it("applies the first fault that fires and keeps the next one armed", () => {
    const schedule = new FaultSchedule([
      { kind: "serviceFault", count: 1 },
      { kind: "throttle", count: 1 },
    ]);
    expect(kinds(schedule, 3)).toEqual(["serviceFault", "throttle", "-"]);
  });

  it("adds delays together and still applies another fault", () => {
    const schedule = new FaultSchedule([
      { kind: "delay", ms: 5, count: 1 },
      { kind: "delay", ms: 7, count: 1 },
      { kind: "lostAnswer", count: 1 },
    ]);
    expect(schedule.draw("SendBonus")).toEqual({
      delayMs: 12,
      fault: { kind: "lostAnswer", count: 1 },
      fired: ["delay", "delay", "lostAnswer"],
    });
  });

  it("reports armed faults with their remaining count", () => {
    const schedule = new FaultSchedule([{ kind: "serviceFault", count: 3 }, { kind: "throttle" }]);
    schedule.draw("SendBonus");
    expect(schedule.pending()).toEqual([{ kind: "serviceFault", count: 2 }, { kind: "throttle" }]);
  });

  it("disarms everything on clear", () => {
    const schedule = new FaultSchedule([{ kind: "serviceFault" }]);
    schedule.clear();
    expect(kinds(schedule, 1)).toEqual(["-"]);
  });
});

describe("parseFaultSpec", () => {
  it.each([
    [{ kind: "explode" }, /kind must be one of/],
    [{ kind: "serviceFault", probability: 2 }, /probability/],
    [{ kind: "serviceFault", count: 0 }, /count/],
    [{ kind: "serviceFault", operation: "CreateHIT" }, /operation/],
    [{ kind: "throttle", status: 42 }, /status/],
    [{ kind: "delay" }, /ms/],
    ["serviceFault", /must be an object/],
  ])("refuses %j", (value, message) => {
    expect(() => parseFaultSpec(value)).toThrow(message);
  });

  it("keeps only the known fields", () => {
    expect(parseFaultSpec({ kind: "throttle", status: 429, extra: true })).toEqual({ kind: "throttle", status: 429 });
  });
});
