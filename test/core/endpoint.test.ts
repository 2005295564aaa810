/** Endpoint resolution: production, sandbox, custom URLs, and the plain-HTTP rule. */
import { describe, expect, it } from "vitest";
import { isLoopback, PRODUCTION_ENDPOINT, resolveEndpoint, SANDBOX_ENDPOINT } from "../../src/endpoint.js";
import { ValidationError } from "../../src/errors.js";

describe("resolveEndpoint", () => {
  it("defaults to production", () => {
    expect(resolveEndpoint({}).url).toBe("https://mturk-requester.us-east-1.amazonaws.com/");
  });

  it("uses the sandbox host for sandbox: true", () => {
    expect(resolveEndpoint({ sandbox: true }).host).toBe("mturk-requester-sandbox.us-east-1.amazonaws.com");
  });

  it("prefers an explicit endpoint over sandbox", () => {
    expect(resolveEndpoint({ sandbox: true, endpoint: "https://proxy.example.com" }).hostname).toBe(
      "proxy.example.com",
    );
  });

  it("exports the two AWS endpoints", () => {
    expect(PRODUCTION_ENDPOINT, "PRODUCTION_ENDPOINT").toBe("https://mturk-requester.us-east-1.amazonaws.com");
    expect(SANDBOX_ENDPOINT, "SANDBOX_ENDPOINT").toBe("https://mturk-requester-sandbox.us-east-1.amazonaws.com");
  });

  it("splits a URL with port and path", () => {
    expect(resolveEndpoint({ endpoint: "https://proxy.example.com:8443/mturk/" })).toEqual({
      origin: "https://proxy.example.com:8443",
      protocol: "https:",
      hostname: "proxy.example.com",
      host: "proxy.example.com:8443",
      port: 8443,
      path: "/mturk/",
      url: "https://proxy.example.com:8443/mturk/",
    });
  });

  it.each(["https://proxy.example.com/a%20b", "https://proxy.example.com/caf%C3%A9", "https://proxy.example.com/a;b"])(
    "refuses the path of %s, which SigV4 would have to re-encode",
    (endpoint) => {
      expect(() => resolveEndpoint({ endpoint })).toThrow(
        expect.objectContaining({ name: "ValidationError", field: "endpoint" }),
      );
    },
  );

  it("accepts a path of unreserved characters", () => {
    expect(resolveEndpoint({ endpoint: "https://proxy.example.com/mturk_v1/a-b.c~d" }).path).toBe("/mturk_v1/a-b.c~d/");
  });

  it("leaves the port out of host for the default port", () => {
    expect(resolveEndpoint({ endpoint: "https://proxy.example.com:443" })).toMatchObject({
      host: "proxy.example.com",
      port: undefined,
    });
  });

  it.each(["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "http://127.9.8.7"])(
    "allows plain HTTP to the loopback %s",
    (endpoint) => {
      expect(resolveEndpoint({ endpoint }).protocol).toBe("http:");
    },
  );

  it.each([
    ["plain HTTP to another host", "http://mturk-requester.us-east-1.amazonaws.com"],
    ["plain HTTP to a private address", "http://10.0.0.1"],
    ["another scheme", "ftp://example.com"],
    ["no URL", "mturk-requester.us-east-1.amazonaws.com"],
    ["a user name", "https://user:pass@example.com"],
    ["a query", "https://example.com/?a=1"],
    ["a fragment", "https://example.com/#x"],
  ])("rejects %s", (_label, endpoint) => {
    expect(() => resolveEndpoint({ endpoint })).toThrow(
      expect.objectContaining({ name: "ValidationError", field: "endpoint" }),
    );
  });

  it("never repeats a password from the URL", () => {
    try {
      resolveEndpoint({ endpoint: "https://user:hunter2secret@example.com" });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(JSON.stringify(error) + String(error)).not.toContain("hunter2secret");
      return;
    }
    throw new Error("accepted");
  });
});

describe("isLoopback", () => {
  it.each(["localhost", "LOCALHOST", "127.0.0.1", "127.255.0.1", "::1", "[::1]"])("is true for %s", (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(["128.0.0.1", "localhost.example.com", "0.0.0.0", "::2", "127.0.0"])("is false for %s", (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});
