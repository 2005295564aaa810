/** Where credentials come from and how they are checked. */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import {
  checkCredentials,
  CREDENTIALS_REFRESH_WINDOW_MS,
  CredentialsCache,
  credentialSource,
  credentialsFromEnvironment,
  type CredentialsProvider,
} from "../../src/credentials.js";
import { CredentialsProviderError, ValidationError } from "../../src/errors.js";
import { CREDENTIALS, SESSION_CREDENTIALS } from "./helpers/fixtures.js";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function stubEnv(id: string, secret: string, token = ""): void {
  vi.stubEnv("AWS_ACCESS_KEY_ID", id);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", secret);
  vi.stubEnv("AWS_SESSION_TOKEN", token);
}

describe("credentialsFromEnvironment", () => {
  it("reads the key pair", () => {
    stubEnv("AKID", "SECRET");
    expect(credentialsFromEnvironment()).toEqual({ accessKeyId: "AKID", secretAccessKey: "SECRET" });
  });

  it("reads a session token", () => {
    stubEnv("AKID", "SECRET", "TOKEN");
    expect(credentialsFromEnvironment()).toEqual({
      accessKeyId: "AKID",
      secretAccessKey: "SECRET",
      sessionToken: "TOKEN",
    });
  });

  it("returns undefined without a secret", () => {
    stubEnv("AKID", "");
    expect(credentialsFromEnvironment()).toBeUndefined();
  });

  it("returns undefined when reading the environment is not allowed (Deno without --allow-env)", () => {
    const denied = new Proxy(
      {},
      {
        get: () => {
          throw new Error('Requires env access to "AWS_ACCESS_KEY_ID", run again with the --allow-env flag');
        },
      },
    );
    vi.spyOn(process, "env", "get").mockReturnValue(denied as NodeJS.ProcessEnv);
    expect(credentialsFromEnvironment()).toBeUndefined();
  });
});

describe("checkCredentials", () => {
  it("accepts a key pair", () => {
    expect(checkCredentials(CREDENTIALS)).toBe(CREDENTIALS);
  });

  it("accepts a key pair with a session token", () => {
    expect(checkCredentials(SESSION_CREDENTIALS)).toBe(SESSION_CREDENTIALS);
  });

  it.each([
    ["nothing", undefined, "credentials"],
    ["a string", "AKID:SECRET", "credentials"],
    ["an empty key id", { accessKeyId: "", secretAccessKey: "s" }, "credentials.accessKeyId"],
    ["a missing secret", { accessKeyId: "a" }, "credentials.secretAccessKey"],
    ["a numeric secret", { accessKeyId: "a", secretAccessKey: 5 }, "credentials.secretAccessKey"],
    [
      "an empty session token",
      { accessKeyId: "a", secretAccessKey: "s", sessionToken: "" },
      "credentials.sessionToken",
    ],
  ])("rejects %s", (_label, value, field) => {
    expect(() => checkCredentials(value)).toThrow(expect.objectContaining({ name: "ValidationError", field }));
  });
});

describe("CredentialsCache", () => {
  /** A provider that counts its calls and hands out numbered key pairs. */
  function countingProvider(expiresInMs?: () => number | undefined) {
    const provider = Object.assign(
      async () => {
        provider.calls++;
        const lifetime = expiresInMs?.();
        return {
          accessKeyId: `AKID${provider.calls}`,
          secretAccessKey: "SECRET",
          ...(lifetime === undefined ? {} : { expiration: new Date(now + lifetime) }),
        };
      },
      { calls: 0 },
    );
    return provider;
  }
  let now = 1_700_000_000_000;
  const clock = () => now;

  it("asks a provider without expiration once, whatever the number of calls", async () => {
    const provider = countingProvider();
    const cache = new CredentialsCache(provider, clock);
    for (let i = 0; i < 20; i++) await cache.get();
    now += 365 * 24 * 3600_000;
    expect((await cache.get()).accessKeyId, "(await cache.get()).accessKeyId").toBe("AKID1");
    expect(provider.calls, "provider.calls").toBe(1);
  });

  it("reuses credentials until 5 minutes before they expire, then refreshes", async () => {
    const provider = countingProvider(() => 3600_000);
    const cache = new CredentialsCache(provider, clock);
    await cache.get();
    now += 3600_000 - CREDENTIALS_REFRESH_WINDOW_MS;
    expect((await cache.get()).accessKeyId).toBe("AKID1");
    now += 1;
    expect((await cache.get()).accessKeyId, "(await cache.get()).accessKeyId").toBe("AKID2");
    expect(provider.calls, "provider.calls").toBe(2);
  });

  it("shares one refresh among concurrent calls", async () => {
    const provider = countingProvider();
    const cache = new CredentialsCache(provider, clock);
    const all = await Promise.all(Array.from({ length: 10 }, () => cache.get()));
    expect(new Set(all).size, "new Set(all).size").toBe(1);
    expect(provider.calls, "provider.calls").toBe(1);
  });

  it("does not keep a failed refresh: the next call asks again", async () => {
    let calls = 0;
    const flaky = async () => {
      if (++calls === 1) throw new Error("SSO session expired");
      return CREDENTIALS;
    };
    const cache = new CredentialsCache(flaky, clock);
    const failures = await Promise.allSettled([cache.get(), cache.get()]);
    expect(failures.map((f) => f.status)).toEqual(["rejected", "rejected"]);
    expect((failures[0] as PromiseRejectedResult).reason).toBeInstanceOf(CredentialsProviderError);
    expect(await cache.get(), "await cache.get()").toEqual(CREDENTIALS);
    expect(calls, "calls").toBe(2);
  });

  it("does not keep what fails the check (an empty secret)", async () => {
    let calls = 0;
    const cache = new CredentialsCache(
      () => (++calls === 1 ? { accessKeyId: "A", secretAccessKey: "" } : CREDENTIALS),
      clock,
    );
    await expect(cache.get()).rejects.toBeInstanceOf(ValidationError);
    expect(await cache.get(), "await cache.get()").toEqual(CREDENTIALS);
    expect(calls, "calls").toBe(2);
  });

  it("refuses an expiration that is not a Date", () => {
    expect(() => checkCredentials({ ...CREDENTIALS, expiration: "2030-01-01" })).toThrow(
      expect.objectContaining({ field: "credentials.expiration" }),
    );
  });

  it("takes an @aws-sdk/credential-providers function as it is (typed)", async () => {
    // The SDK's provider type: an optional argument, and AwsCredentialIdentity with expiration, credentialScope, accountId.
    const sdkProvider: AwsCredentialIdentityProvider = async () => ({
      ...CREDENTIALS,
      expiration: new Date(now + 3600_000),
      accountId: "123456789012",
    });
    const provider: CredentialsProvider = sdkProvider;
    expect((await new CredentialsCache(provider, clock).get()).accessKeyId).toBe(CREDENTIALS.accessKeyId);
  });
});

describe("credentialSource: credentials at hand are handed over at once, without a promise", () => {
  it("a provider function is asked as it is, once", async () => {
    const provider = vi.fn(() => SESSION_CREDENTIALS);
    const source = credentialSource(provider);
    expect(await source()).toBe(SESSION_CREDENTIALS);
    expect(source()).toBe(SESSION_CREDENTIALS);
    expect(provider).toHaveBeenCalledTimes(1);
  });

  it("the environment missing is a ValidationError naming credentials", () => {
    stubEnv("", "");
    expect(() => credentialSource(undefined)()).toThrow(
      expect.objectContaining({ name: "ValidationError", field: "credentials" }),
    );
  });

  it("a promise of credentials (a forgotten await) is awaited once, then cached", async () => {
    const source = credentialSource(Promise.resolve(CREDENTIALS) as unknown as typeof CREDENTIALS);
    expect(await source()).toBe(CREDENTIALS);
    expect(source()).toBe(CREDENTIALS);
  });

  it("fixed credentials, checked at each call", () => {
    const fixed = { ...CREDENTIALS };
    const source = credentialSource(fixed);
    expect(source()).toBe(fixed);
    fixed.secretAccessKey = "";
    expect(() => source()).toThrow(
      expect.objectContaining({ name: "ValidationError", field: "credentials.secretAccessKey" }),
    );
  });

  it("the environment, read at each call", () => {
    stubEnv("AKIDENV", "SECRETENV");
    const source = credentialSource(undefined);
    expect(source()).toEqual({ accessKeyId: "AKIDENV", secretAccessKey: "SECRETENV" });
    stubEnv("AKIDNEXT", "SECRETNEXT");
    expect(source()).toEqual({ accessKeyId: "AKIDNEXT", secretAccessKey: "SECRETNEXT" });
  });

  it("a provider's credentials once cached; its first answer through a promise", async () => {
    const source = credentialSource(async () => CREDENTIALS);
    const first = source();
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(CREDENTIALS);
    expect(source()).toBe(CREDENTIALS);
  });
});
