/**
 * The ceiling: the least a signed SendBonus client can do on Node. A minimal
 * SigV4 signer on node:crypto (the signing key derived once per day) and a
 * keep-alive undici Pool (the dispatcher behind `undici.request`). No
 * validation, no retries, no timeouts, no error typing: only what the
 * simulator needs to accept the call. Every other client is measured
 * against this one.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";

const SERVICE = "mturk-requester";
const TARGET = "MTurkRequesterServiceV20170117.SendBonus";
const CONTENT_TYPE = "application/x-amz-json-1.1";
const SIGNED_HEADERS = "content-type;host;x-amz-date;x-amz-target";

/** A SigV4 signer for SendBonus bodies, one credential set, one region. */
export function ceilingSigner({ accessKeyId, secretAccessKey }, host, region = "us-east-1") {
  let keyDay = "";
  let signingKey;
  const scopeTail = `/${region}/${SERVICE}/aws4_request`;

  /** Headers for `body`, signed at `now` (epoch ms). */
  return function sign(body, now = Date.now()) {
    // 2024-01-02T03:04:05.678Z → 20240102T030405Z
    const iso = new Date(now).toISOString();
    const amzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    const day = amzDate.slice(0, 8);
    if (day !== keyDay) {
      const kDate = createHmac("sha256", `AWS4${secretAccessKey}`).update(day).digest();
      const kRegion = createHmac("sha256", kDate).update(region).digest();
      const kService = createHmac("sha256", kRegion).update(SERVICE).digest();
      signingKey = createHmac("sha256", kService).update("aws4_request").digest();
      keyDay = day;
    }
    const scope = day + scopeTail;
    const canonical =
      `POST\n/\n\ncontent-type:${CONTENT_TYPE}\nhost:${host}\nx-amz-date:${amzDate}\nx-amz-target:${TARGET}\n\n${SIGNED_HEADERS}\n` +
      createHash("sha256").update(body).digest("hex");
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
    return {
      host,
      "content-type": CONTENT_TYPE,
      "x-amz-date": amzDate,
      "x-amz-target": TARGET,
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
    };
  };
}

/** The SendBonus body, with the caller's token. */
export function ceilingBody(bonus, token) {
  return JSON.stringify({
    WorkerId: bonus.WorkerId,
    BonusAmount: bonus.BonusAmount,
    AssignmentId: bonus.AssignmentId,
    Reason: bonus.Reason,
    UniqueRequestToken: token,
  });
}

/** The ceiling client: `send(bonus, token)` resolves on HTTP 200, rejects otherwise. */
export async function ceilingClient({ endpoint, credentials }) {
  const { Pool } = await import("undici");
  const url = new URL(endpoint);
  const pool = new Pool(url.origin, { connections: null });
  const sign = ceilingSigner(credentials, url.host);
  return {
    async send(bonus, token = randomUUID()) {
      const body = ceilingBody(bonus, token);
      const { statusCode, body: answer } = await pool.request({ path: "/", method: "POST", headers: sign(body), body });
      const text = await answer.text();
      if (statusCode !== 200) throw new Error(`ceiling: HTTP ${statusCode} ${text.slice(0, 200)}`);
    },
    close: () => pool.close(),
  };
}

/**
 * The same ceiling on Node's own `node:http` (a keep-alive agent, the headers
 * as a flat name/value list, the answer's bytes decoded once): the least a
 * signed client can do over the transport mturk-bonus uses on Node. Set
 * beside the undici ceiling, it splits the distance between the library and
 * the ceiling into the client's own work and the transport's.
 */
export async function ceilingHttpClient({ endpoint, credentials }) {
  const http = await import("node:http");
  const url = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });
  const sign = ceilingSigner(credentials, url.host);
  return {
    send(bonus, token = randomUUID()) {
      const body = ceilingBody(bonus, token);
      const headers = sign(body);
      const flat = [];
      for (const name in headers) flat.push(name, headers[name]);
      flat.push("content-length", String(Buffer.byteLength(body)));
      return new Promise((resolve, reject) => {
        const request = http.request(
          { agent, host: url.hostname, port: url.port, method: "POST", path: "/", headers: flat },
          (response) => {
            const chunks = [];
            response.on("data", (chunk) => chunks.push(chunk));
            response.on("error", reject);
            response.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              if (response.statusCode === 200) resolve();
              else reject(new Error(`ceiling-http: HTTP ${response.statusCode} ${text.slice(0, 200)}`));
            });
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    },
    close: async () => agent.destroy(),
  };
}
