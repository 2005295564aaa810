/**
 * `mturk-bonus demo` (what `npm start` runs): a local simulator, a few
 * bonuses paid through the real client while the simulator misbehaves, then
 * the very same calls again to show that nothing is paid twice.
 */
import { MTurkClient, type SendBonusInput } from "../index.js";
import { SIMULATOR_CREDENTIALS, startSimulator, type FaultSpec, type Simulator } from "../simulator/index.js";
import { feeCents, formatCents, toCents } from "../money.js";
import { EXIT, parse, runCommand } from "./args.js";

interface Step {
  readonly bonus: SendBonusInput & { UniqueRequestToken: string };
  /** Injected just before this bonus is sent the first time. */
  readonly fault?: FaultSpec;
  /** What the fault does, in words. */
  readonly story: string;
}

/** Deterministic tokens (one per assignment) are what make re-running safe. */
const STEPS: readonly Step[] = [
  {
    bonus: {
      WorkerId: "A1DEMOWORKER",
      AssignmentId: "3DEMOASSIGNMENT1",
      BonusAmount: "1.50",
      Reason: "Great transcription",
      UniqueRequestToken: "demo-3DEMOASSIGNMENT1",
    },
    story: "nothing: a plain payment",
  },
  {
    bonus: {
      WorkerId: "A2DEMOWORKER",
      AssignmentId: "3DEMOASSIGNMENT2",
      BonusAmount: "2.00",
      Reason: "Extra care on hard items",
      UniqueRequestToken: "demo-3DEMOASSIGNMENT2",
    },
    fault: { kind: "lostAnswer", count: 1, operation: "SendBonus" },
    story: "MTurk pays, then the connection drops before the answer arrives",
  },
  {
    bonus: {
      WorkerId: "A3DEMOWORKER",
      AssignmentId: "3DEMOASSIGNMENT3",
      BonusAmount: "0.75",
      Reason: "Quick and accurate",
      UniqueRequestToken: "demo-3DEMOASSIGNMENT3",
    },
    fault: { kind: "serviceFault", count: 1, operation: "SendBonus" },
    story: "MTurk answers 500 ServiceFault once",
  },
  {
    bonus: {
      WorkerId: "A4DEMOWORKER",
      AssignmentId: "3DEMOASSIGNMENT4",
      BonusAmount: "5",
      Reason: "Top scorer",
      UniqueRequestToken: "demo-3DEMOASSIGNMENT4",
    },
    fault: { kind: "proxy502", count: 1, operation: "SendBonus" },
    story: "a proxy answers an HTML 502 page once",
  },
];

const START_BALANCE = "50.00";

type Print = (line: string) => void;

function describeResult(result: {
  alreadyGranted: boolean;
  $metadata: { attempts: number; totalRetryDelay: number };
}): string {
  const { attempts, totalRetryDelay } = result.$metadata;
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}${totalRetryDelay > 0 ? `, ${totalRetryDelay} ms of backoff` : ""}`;
  return result.alreadyGranted
    ? `alreadyGranted: true  (${tries}; MTurk says this token was already paid)`
    : `paid  (${tries})`;
}

async function payAll(client: MTurkClient, sim: Simulator, print: Print, injectFaults: boolean): Promise<boolean[]> {
  const granted: boolean[] = [];
  for (const [i, step] of STEPS.entries()) {
    const { WorkerId, BonusAmount, UniqueRequestToken } = step.bonus;
    if (injectFaults && step.fault) sim.control({ faults: [step.fault] });
    const label = `  ${i + 1}. $${formatCents(toCents(BonusAmount) ?? 0)} to ${WorkerId}`;
    try {
      const result = await client.sendBonus(step.bonus);
      print(`${label}  token ${UniqueRequestToken}`);
      if (injectFaults && step.fault) print(`     injected: ${step.story}`);
      print(`     → ${describeResult(result)}`);
      granted.push(result.alreadyGranted);
    } catch (error) {
      print(`${label}  → failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      granted.push(false);
    }
  }
  return granted;
}

function printLedger(sim: Simulator, print: Print): void {
  const { bonuses, balance, counters } = sim.ledger;
  print(
    `Simulator ledger: ${bonuses.length} bonus${bonuses.length === 1 ? "" : "es"} paid, balance $${START_BALANCE} → $${balance}`,
  );
  for (const b of bonuses) {
    print(
      `  ${b.WorkerId.padEnd(13)} ${b.AssignmentId.padEnd(17)} $${b.BonusAmount.padStart(5)} + fee $${formatCents(b.feeCents)}  ${b.UniqueRequestToken ?? ""}`,
    );
  }
  const faults =
    Object.entries(counters.faults)
      .map(([kind, n]) => `${kind} ×${n}`)
      .join(", ") || "none";
  print(`  requests ${counters.requests}, duplicates refused ${counters.duplicates}, faults injected: ${faults}`);
}

export const HELP = `Usage: mturk-bonus demo

Pays a few bonuses against a local simulator that misbehaves, then re-runs them to show nothing is paid twice.
`;

/** Runs the demo; 0 when every bonus was paid exactly once, 1 otherwise. */
export async function run(args: string[]): Promise<number> {
  return runCommand(
    "demo",
    async () => {
      // No common options: the demo talks to its own simulator only.
      const { values } = parse("demo", args, { help: { type: "boolean", short: "h" } }, false, false);
      if (values.help === true) {
        process.stdout.write(HELP);
        return EXIT.ok;
      }
      return demo((line) => process.stdout.write(`${line}\n`));
    },
    HELP,
  );
}

async function demo(print: Print): Promise<number> {
  const sim = await startSimulator({ balance: START_BALANCE });
  const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
  try {
    print(`MTurk simulator on ${sim.url} (balance $${START_BALANCE}; nothing here touches AWS)`);
    print("");
    print("First run: paying 4 bonuses while the simulator misbehaves");
    const first = await payAll(client, sim, print, true);
    print("");
    print("Second run: the same 4 calls, same tokens (say the script crashed and was restarted)");
    const second = await payAll(client, sim, print, false);
    print("");
    printLedger(sim, print);
    const { AvailableBalance: balance } = await client.getAccountBalance();
    const ok = paidExactlyOnce(sim, balance) && second.every(Boolean) && first.length === STEPS.length;
    print("");
    print(
      ok
        ? `Each bonus was paid exactly once: GetAccountBalance says $${balance}, as the ledger does.`
        : "Something was paid twice or not at all: see the ledger above.",
    );
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    await client.destroy();
    await sim.close();
  }
}

/** True when the ledger holds each step's token once and the balance is the start less every bonus and its fee. */
function paidExactlyOnce(sim: Simulator, balance: string): boolean {
  const expectedCents = STEPS.reduce((sum, s) => {
    const cents = toCents(s.bonus.BonusAmount) ?? 0;
    return sum - cents - feeCents(cents);
  }, toCents(START_BALANCE) ?? 0);
  const { bonuses } = sim.ledger;
  const eachOnce = STEPS.every(
    (s) => bonuses.filter((b) => b.UniqueRequestToken === s.bonus.UniqueRequestToken).length === 1,
  );
  return eachOnce && toCents(balance) === expectedCents;
}
