/**
 * The four clients the benchmark compares, behind one shape:
 *
 *   const client = await CLIENTS[name].create({ endpoint, credentials });
 *   await client.send(bonus, token);   // resolves on a paid bonus, rejects otherwise
 *   await client.close();
 *
 *   const sign = await CLIENTS[name].signer({ endpoint, credentials });
 *   await sign(bonus, token);          // builds and signs one request, sends nothing
 *
 * Each adapter imports only its own client, and only when asked, so that a
 * worker process holds one client's code (peak RSS) and a cold-start child
 * loads exactly what a user of that client would.
 */

/** What every call pays: one cent to one worker. Each call brings its own token. */
export const BONUS = Object.freeze({
  WorkerId: "A1BENCHMARKWORKER",
  BonusAmount: "0.01",
  AssignmentId: "3BENCHMARKASSIGNMENT0000000001",
  Reason: "Benchmark bonus",
});

const REGION = "us-east-1";

/** This library, Node build: NodeSha256 (node:crypto) and the given transport (node:http by default, or fetch). */
async function ours(transport, { endpoint, credentials }) {
  const { MTurkClient } = await import("../../dist/index.js");
  const options = { endpoint, credentials, region: REGION };
  if (transport === "fetch") options.fetch = globalThis.fetch;
  const client = new MTurkClient(options);
  return {
    async send(bonus, token) {
      const result = await client.sendBonus({ ...bonus, UniqueRequestToken: token });
      if (result.alreadyGranted) throw new Error("ours: token reused");
    },
    async balance() {
      await client.getAccountBalance();
    },
    close: () => client.destroy(),
  };
}

/**
 * This library's request path up to the wire: validate, serialize, build
 * and sign (what `sendBonus` does before the transport), with the given hash.
 */
async function oursSigner(hash, { endpoint, credentials }) {
  const [{ RequestSigner }, { buildRequest, serializeSendBonus }, { validateSendBonus }, { resolveEndpoint }] =
    await Promise.all([
      import("../../dist/sign.js"),
      import("../../dist/request.js"),
      import("../../dist/validate.js"),
      import("../../dist/endpoint.js"),
    ]);
  const sha256 =
    hash === "webcrypto"
      ? (await import("../../dist/hash-web.js")).WebSha256
      : (await import("../../dist/hash-node.js")).NodeSha256;
  const signer = new RequestSigner(REGION, sha256);
  const target = resolveEndpoint({ endpoint });
  return async (bonus, token) => {
    const { input } = validateSendBonus({ ...bonus, UniqueRequestToken: token });
    const body = serializeSendBonus({ ...input, UniqueRequestToken: token });
    return signer.sign(buildRequest(target, "SendBonus", body), credentials, new Date());
  };
}

/** `@aws-sdk/client-mturk` with its defaults (Node http keep-alive agent, standard retries). */
async function sdkClient({ endpoint, credentials }, extra = {}) {
  const { MTurkClient, SendBonusCommand, GetAccountBalanceCommand } = await import("@aws-sdk/client-mturk");
  // A copy: the SDK writes bookkeeping into the credentials object it is given.
  const client = new MTurkClient({ region: REGION, endpoint, credentials: { ...credentials }, ...extra });
  return { client, SendBonusCommand, GetAccountBalanceCommand };
}

export const CLIENTS = {
  "ours-node": {
    label: "mturk-bonus (node:http)",
    create: (options) => ours("node", options),
    signer: (options) => oursSigner("node", options),
  },
  "ours-fetch": {
    label: "mturk-bonus (fetch)",
    create: (options) => ours("fetch", options),
    // Same signer as the node:http build: the transport plays no part in signing.
    signer: (options) => oursSigner("node", options),
  },
  sdk: {
    label: "@aws-sdk/client-mturk",
    async create(options) {
      const { client, SendBonusCommand, GetAccountBalanceCommand } = await sdkClient(options);
      return {
        async send(bonus, token) {
          await client.send(new SendBonusCommand({ ...bonus, UniqueRequestToken: token }));
        },
        async balance() {
          await client.send(new GetAccountBalanceCommand({}));
        },
        close: async () => client.destroy(),
      };
    },
    /**
     * The SDK cannot sign without its middleware stack, so its whole stack
     * runs (serialize, endpoint, retry, sign) and a middleware placed right
     * after signing answers instead of the network.
     */
    async signer(options) {
      const { client, SendBonusCommand } = await sdkClient(options);
      const { HttpResponse } = await import("@smithy/protocol-http");
      client.middlewareStack.addRelativeTo(
        () => async (args) => ({
          response: new HttpResponse({ statusCode: 200, headers: {}, body: new Uint8Array(0) }),
          output: { $metadata: {}, headers: args.request.headers },
        }),
        { name: "benchStopAfterSigning", relation: "after", toMiddleware: "httpSigningMiddleware" },
      );
      return async (bonus, token) => client.send(new SendBonusCommand({ ...bonus, UniqueRequestToken: token }));
    },
  },
  ceiling: {
    label: "ceiling (node:crypto + undici)",
    async create(options) {
      const { ceilingClient } = await import("./ceiling.mjs");
      return ceilingClient(options);
    },
    async signer({ endpoint, credentials }) {
      const { ceilingSigner, ceilingBody } = await import("./ceiling.mjs");
      const sign = ceilingSigner(credentials, new URL(endpoint).host);
      return (bonus, token) => sign(ceilingBody(bonus, token));
    },
  },
  "ceiling-http": {
    label: "ceiling on node:http (reference)",
    async create(options) {
      const { ceilingHttpClient } = await import("./ceiling.mjs");
      return ceilingHttpClient(options);
    },
    // The same signer as the undici ceiling.
    signer: (options) => CLIENTS.ceiling.signer(options),
  },
};

/** Extra signing-alone variants, not full clients: our signer over WebCrypto, the edge build's hash. */
export const SIGNERS = {
  "ours-webcrypto": {
    label: "mturk-bonus signer with WebCrypto (the edge build)",
    signer: (options) => oursSigner("webcrypto", options),
  },
};

export const CLIENT_NAMES = Object.keys(CLIENTS);
