/** Where credentials come from and how they are checked. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkCredentials, credentialsFromEnvironment, toProvider } from "../../src/credentials.js";
import { ValidationError } from "../../src/errors.js";
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
    expect(credentialsFromEnvironment()).toEqual({ accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN" });
  });

  it("returns undefined without a secret", () => {
    stubEnv("AKID", "");
    expect(credentialsFromEnvironment()).toBeUndefined();
  });

  it("returns undefined when reading the environment is not allowed (Deno without --allow-env)", () => {
    const denied = new Proxy({}, { get: () => { throw new Error('Requires env access to "AWS_ACCESS_KEY_ID", run again with the --allow-env flag'); } });
    vi.spyOn(process, "env", "get").mockReturnValue(denied as NodeJS.ProcessEnv);
    expect(credentialsFromEnvironment()).toBeUndefined();
  });
});

describe("toProvider", () => {
  it("returns fixed credentials", async () => {
    expect(await toProvider(CREDENTIALS)()).toBe(CREDENTIALS);
  });

  it("uses a provider function as is", () => {
    const provider = () => SESSION_CREDENTIALS;
    expect(toProvider(provider)).toBe(provider);
  });

  it("reads the environment at each call", async () => {
    const provider = toProvider(undefined);
    stubEnv("FIRST", "S1");
    const first = await provider();
    stubEnv("SECOND", "S2");
    expect([first.accessKeyId, (await provider()).accessKeyId]).toEqual(["FIRST", "SECOND"]);
  });

  it("throws a ValidationError when the environment has none", () => {
    stubEnv("", "");
    expect(() => toProvider(undefined)()).toThrow(ValidationError);
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
    ["an empty session token", { accessKeyId: "a", secretAccessKey: "s", sessionToken: "" }, "credentials.sessionToken"],
  ])("rejects %s", (_label, value, field) => {
    expect(() => checkCredentials(value)).toThrow(expect.objectContaining({ name: "ValidationError", field }));
  });
});
