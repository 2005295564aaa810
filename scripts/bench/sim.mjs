/**
 * The simulator in its own process, for the benchmark: signature checking on
 * (every client does the full SigV4 work and the server verifies it), no
 * faults, a balance no run can exhaust. Forked with IPC by the orchestrator:
 * it sends `{ url }` when listening, answers `{ op: "cpu" }` with its CPU
 * time (to show whether the server is the limit), `{ op: "stats" }` with its
 * counters, and exits when the orchestrator disconnects.
 */
import { startSimulator, SIMULATOR_CREDENTIALS } from "../../dist/simulator/index.js";

const sim = await startSimulator({ port: 0, credentials: SIMULATOR_CREDENTIALS, balance: "100000000.00" });

process.on("message", (message) => {
  if (message.op === "cpu") {
    const { user, system } = process.cpuUsage();
    process.send({ id: message.id, ok: true, result: { cpuUs: user + system } });
  } else if (message.op === "stats") {
    const { counters } = sim.ledger;
    process.send({
      id: message.id,
      ok: true,
      result: {
        requests: counters.requests,
        paid: counters.paid,
        signatureFailures: counters.signatureFailures,
        requestErrors: counters.requestErrors,
        validationFailures: counters.validationFailures,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      },
    });
  }
});
process.on("disconnect", () => {
  sim.close().finally(() => process.exit(0));
});
process.send({ url: sim.url, pid: process.pid });
