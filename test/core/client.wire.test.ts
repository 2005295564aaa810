/**
 * What goes on the wire, for both transports: target, content type, body,
 * credential scope, signed headers, and the signature recomputed with the
 * independent SigV4 oracle, src/simulator/sigv4.ts (never with the signer under test).
 */
import { describe, expect, it, vi } from "vitest";
import { OK, bonusInput, CREDENTIALS, SESSION_CREDENTIALS, TOKEN } from "./helpers/fixtures.js";
import { TRANSPORTS, useFakeMTurk } from "./helpers/fake-mturk.js";
import { authOf, recomputeAuthorization, recomputeSignature } from "./helpers/wire.js";

describe.each(TRANSPORTS)("SendBonus wire format over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  async function sendOne(options: Parameters<typeof mturk.client>[0] = {}, input = bonusInput()) {
    mturk.reply(OK);
    const output = await mturk.client(options).sendBonus(input);
    const request = mturk.requests[0];
    if (request === undefined) throw new Error("no request arrived");
    return { output, request };
  }

  it("POSTs to the endpoint's root path", async () => {
    const { request } = await sendOne();
    expect(request.method, "request.method").toBe("POST");
    expect(request.path, "request.path").toBe("/");
  });

  it("sends X-Amz-Target MTurkRequesterServiceV20170117.SendBonus", async () => {
    const { request } = await sendOne();
    expect(request.headers["x-amz-target"]).toBe("MTurkRequesterServiceV20170117.SendBonus");
  });

  it("sends Content-Type application/x-amz-json-1.1", async () => {
    const { request } = await sendOne();
    expect(request.headers["content-type"]).toBe("application/x-amz-json-1.1");
  });

  it("sends the body as the model's members in order, token included", async () => {
    const { request } = await sendOne();
    expect(request.body).toBe(
      '{"WorkerId":"A1B2C3D4E5F6G7","BonusAmount":"1.50","AssignmentId":"3X1FV8S5J09OQY1JC80W57HTHFJGVM","Reason":"Thanks for the careful work","UniqueRequestToken":"' +
        TOKEN +
        '"}',
    );
  });

  // msw sees the request before fetch's network layer adds Content-Length; transport-fetch.test.ts checks it on a real socket.
  it.skipIf(transport === "fetch")("sends a Content-Length equal to the UTF-8 byte length of the body", async () => {
    const { request } = await sendOne({}, bonusInput({ Reason: "Merci — très bien 👍" }));
    expect(Number(request.headers["content-length"])).toBe(Buffer.byteLength(request.body, "utf8"));
  });

  it("scopes the credential to <key>/<date>/us-east-1/mturk-requester/aws4_request", async () => {
    const { request } = await sendOne();
    const auth = authOf(request);
    expect(auth.algorithm).toBe("AWS4-HMAC-SHA256");
    expect(`${auth.accessKeyId}/${auth.date}/${auth.region}/${auth.service}/${auth.terminator}`).toBe(
      `${CREDENTIALS.accessKeyId}/${request.headers["x-amz-date"]!.slice(0, 8)}/us-east-1/mturk-requester/aws4_request`,
    );
  });

  it("signs content-type, host, x-amz-date and x-amz-target", async () => {
    const { request } = await sendOne();
    expect(authOf(request).signedHeaders).toEqual(["content-type", "host", "x-amz-date", "x-amz-target"]);
  });

  it("signs the Host the request was actually sent to", async () => {
    const { request } = await sendOne();
    expect(request.headers.host).toBe(new URL(mturk.endpoint).host);
  });

  it("carries the signature the SigV4 specification gives for the received request", async () => {
    const { request } = await sendOne();
    expect(authOf(request).signature).toBe(recomputeSignature(request, CREDENTIALS));
  });

  it("carries the Authorization header the SigV4 specification gives, byte for byte", async () => {
    const { request } = await sendOne();
    expect(request.headers.authorization).toBe(recomputeAuthorization(request, CREDENTIALS));
  });

  it("carries a valid signature over a non-ASCII Reason", async () => {
    const { request } = await sendOne({}, bonusInput({ Reason: "Danke schön, 谢谢 🎉" }));
    expect(authOf(request).signature).toBe(recomputeSignature(request, CREDENTIALS));
  });

  it("carries a signature that a wrong secret does not reproduce", async () => {
    const { request } = await sendOne();
    expect(authOf(request).signature).not.toBe(
      recomputeSignature(request, { ...CREDENTIALS, secretAccessKey: "wrong-secret" }),
    );
  });

  it("dates the request with the current time", async () => {
    // Only Date is faked: sockets and timers run as usual.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date("2026-03-04T05:06:07.890Z"));
      const { request } = await sendOne();
      expect(request.headers["x-amz-date"]).toBe("20260304T050607Z");
    } finally {
      vi.useRealTimers();
    }
  });

  it("sends a session token as X-Amz-Security-Token", async () => {
    const { request } = await sendOne({ credentials: SESSION_CREDENTIALS });
    expect(request.headers["x-amz-security-token"]).toBe(SESSION_CREDENTIALS.sessionToken);
  });

  it("signs the session token header", async () => {
    const { request } = await sendOne({ credentials: SESSION_CREDENTIALS });
    expect(authOf(request).signedHeaders).toEqual([
      "content-type",
      "host",
      "x-amz-date",
      "x-amz-security-token",
      "x-amz-target",
    ]);
  });

  it("carries the specification's signature with a session token", async () => {
    const { request } = await sendOne({ credentials: SESSION_CREDENTIALS });
    expect(authOf(request).signature).toBe(recomputeSignature(request, SESSION_CREDENTIALS));
  });

  it("sends no X-Amz-Content-Sha256 (MTurk does not need it)", async () => {
    const { request } = await sendOne();
    expect(request.headers["x-amz-content-sha256"]).toBeUndefined();
  });

  it("resolves with the token, alreadyGranted false, settled by the response, and the answer's metadata", async () => {
    const { output } = await sendOne();
    expect(output).toEqual({
      UniqueRequestToken: TOKEN,
      alreadyGranted: false,
      settledBy: "response",
      $metadata: { attempts: 1, totalRetryDelay: 0, httpStatusCode: 200, requestId: "req-ok" },
    });
  });

  it("accepts an empty 200 body as success", async () => {
    mturk.reply({ status: 200, body: "" });
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.alreadyGranted).toBe(false);
  });

  it("generates a token when none is given and sends that same token", async () => {
    const { UniqueRequestToken: _omit, ...input } = bonusInput();
    const { output, request } = await sendOne({}, input);
    expect(output.UniqueRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(request.body).UniqueRequestToken).toBe(output.UniqueRequestToken);
  });

  it("generates a different token for each call without one", async () => {
    mturk.reply(OK);
    const client = mturk.client();
    const { UniqueRequestToken: _omit, ...input } = bonusInput();
    const first = await client.sendBonus(input);
    const second = await client.sendBonus(input);
    expect(first.UniqueRequestToken).not.toBe(second.UniqueRequestToken);
  });

  it("signs with the credentials the provider returns for each call", async () => {
    mturk.reply(OK);
    const keys = [CREDENTIALS, SESSION_CREDENTIALS];
    let call = 0;
    // Expiring within the refresh window, so each call asks the provider again.
    const client = mturk.client({
      credentials: () => ({ ...keys[call++ % 2]!, expiration: new Date(Date.now() + 60_000) }),
    });
    await client.sendBonus(bonusInput());
    await client.sendBonus(bonusInput());
    expect(mturk.requests.map((r) => authOf(r).accessKeyId)).toEqual([
      CREDENTIALS.accessKeyId,
      SESSION_CREDENTIALS.accessKeyId,
    ]);
    expect(authOf(mturk.requests[1]!).signature).toBe(recomputeSignature(mturk.requests[1]!, SESSION_CREDENTIALS));
  });

  it("sends GetAccountBalance with its own target and an empty object body", async () => {
    mturk.reply({ status: 200, body: '{"AvailableBalance":"10000.00"}' });
    const balance = await mturk.client().getAccountBalance();
    expect(mturk.requests[0]!.headers["x-amz-target"]).toBe("MTurkRequesterServiceV20170117.GetAccountBalance");
    expect(mturk.requests[0]!.body).toBe("{}");
    expect(balance.AvailableBalance).toBe("10000.00");
  });

  it("sends ListBonusPayments for one assignment and reads its page", async () => {
    mturk.reply({
      status: 200,
      body: JSON.stringify({
        NumResults: 1,
        BonusPayments: [
          {
            WorkerId: "A1B2C3D4E5F6G7",
            BonusAmount: "1.50",
            AssignmentId: "3X1FV8S5J09OQY1JC80W57HTHFJGVM",
            Reason: "r",
            GrantTime: 1700000000,
          },
        ],
      }),
    });
    const page = await mturk
      .client()
      .listBonusPayments({ AssignmentId: "3X1FV8S5J09OQY1JC80W57HTHFJGVM", MaxResults: 10 });
    expect(JSON.parse(mturk.requests[0]!.body)).toEqual({
      AssignmentId: "3X1FV8S5J09OQY1JC80W57HTHFJGVM",
      MaxResults: 10,
    });
    expect(page.BonusPayments[0]!.GrantTime.toISOString()).toBe("2023-11-14T22:13:20.000Z");
    expect(page.NextToken).toBeUndefined();
  });
});
