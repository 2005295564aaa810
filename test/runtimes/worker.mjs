/**
 * The conformance script as a Worker, for workerd: `POST /` with the JSON
 * config runs it and answers the result. Bundled by the test with esbuild's
 * Workers conditions, so "mturk-bonus" resolves the way Wrangler resolves it.
 */
import { runConformance } from "./conformance.mjs";

export default {
  async fetch(request) {
    if (request.method !== "POST") return new Response("POST a conformance config", { status: 405 });
    const result = await runConformance(await request.json());
    return Response.json(result, { status: result.ok ? 200 : 500 });
  },
};
