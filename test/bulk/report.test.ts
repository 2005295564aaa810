import { describe, expect, it } from "vitest";
import { payBonuses } from "../../src/bulk/pay.js";
import { describeResult, reportCsv, reportFormat, reportJson } from "../../src/bulk/report.js";
import { makeRows, withSimulator } from "./helpers.js";

describe("the report and the summary", () => {
  it("writes CSV or JSON with each row's outcome, request id, token and attempts, and a summary", async () => {
    const rows = [...makeRows(3), { WorkerId: "AZERO", AssignmentId: "3ZERO", BonusAmount: "0", Reason: "none" }];
    await withSimulator({}, async (sim, client) => {
      const result = await payBonuses(rows, { client, target: sim.url, rate: 1000 });
      const csv = reportCsv(result).split("\r\n");
      expect(csv[0]).toBe(
        "line,WorkerId,AssignmentId,BonusAmount,Reason,status,via,earlierRun,UniqueRequestToken,requestId,sends,httpAttempts,error,errorMessage,outcomeUnknown,outcomeJournaled",
      );
      expect(csv[1]).toMatch(
        /^1,AWORKER000000,3ASG00000000,0\.01,"Thanks, ""participant"" 0",paid,sent,,mtb2-[\w-]{43},[0-9a-f-]{36},1,1,,,,$/,
      );
      expect(csv[4]).toBe("4,AZERO,3ZERO,0.00,none,skipped,,,,,0,0,,,,");
      const json = JSON.parse(reportJson(result)) as {
        complete: boolean;
        counts: { paid: number; skipped: number };
        rows: unknown[];
      };
      expect(json).toMatchObject({ complete: true, counts: { paid: 3, skipped: 1 } });
      expect(json.rows).toHaveLength(4);
      expect(reportFormat("r.JSON")).toBe("json");
      expect(reportFormat("r.csv")).toBe("csv");
      expect(describeResult(result)).toMatch(
        /^Done: 3 of 3 bonuses paid \(\$[\d.]+ \+ \$[\d.]+ fees = \$[\d.]+\)\n {2}3 paid now .*, 1 skipped \(\$0\), 0 failed\n$/,
      );
    });
  });
});
