/**
 * A Cloudflare Worker that pays one MTurk bonus per POST.
 *
 *   curl -X POST https://bonus.example.workers.dev -d '{"WorkerId":"A1...","AssignmentId":"3X...","BonusAmount":"0.50","Reason":"Thanks!"}'
 *
 * This exact file is what the workerd test runs (test/runtimes/workerd.capnp),
 * against the local simulator. Deploy it with Wrangler (`wrangler deploy`),
 * with the credentials stored as secrets (`wrangler secret put AWS_SECRET_ACCESS_KEY`).
 */
import { MTurkClient, MTurkError, type SendBonusInput } from "mturk-bonus";

export interface Env {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  /** "true" to pay in the MTurk sandbox, where no money moves. */
  MTURK_SANDBOX?: string;
  /** Another endpoint, such as a local simulator. */
  MTURK_ENDPOINT?: string;
}

// One client per isolate: it keeps the signer (and its signing-key cache) warm between requests.
let client: MTurkClient | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== "POST") return new Response("POST a SendBonus input as JSON\n", { status: 405 });
    client ??= new MTurkClient({
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      sandbox: env.MTURK_SANDBOX === "true",
      ...(env.MTURK_ENDPOINT ? { endpoint: env.MTURK_ENDPOINT } : {}),
    });
    // A body that is not a JSON object is the caller's mistake: answer 400, never crash the Worker.
    let input: SendBonusInput;
    try {
      const body: unknown = await request.json();
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new TypeError("not an object");
      input = body as SendBonusInput;
    } catch {
      return Response.json(
        {
          name: "BadRequest",
          message: "The body must be a JSON object with WorkerId, AssignmentId, BonusAmount and Reason",
        },
        { status: 400 },
      );
    }
    try {
      // sendBonus checks every field (types, patterns, the amount) before any I/O: a bad one is a ValidationError, answered 400 below.
      // Pass a UniqueRequestToken in the input to make your own retries safe; one is generated otherwise.
      const paid = await client.sendBonus(input);
      return Response.json(paid);
    } catch (error) {
      if (!(error instanceof MTurkError)) throw error;
      // An MTurkError serialises without secrets. outcomeUnknown: the bonus may be paid;
      // send again with error.UniqueRequestToken to settle it (never pays twice).
      return Response.json(error, { status: error.outcomeUnknown ? 503 : error.$fault === "server" ? 502 : 400 });
    }
  },
};
