/** The error classes: names, faults, defaults, JSON form and the cross-realm guard. */
import { describe, expect, it } from "vitest";
import { AbortError, isMTurkError, MTurkError, RequestError, ServiceFault, TransportError, UnexpectedResponseError, ValidationError } from "../../src/errors.js";

describe("error classes", () => {
  it.each<[MTurkError, string, string]>([
    [new RequestError({ message: "m" }), "RequestError", "client"],
    [new ServiceFault({ message: "m" }), "ServiceFault", "server"],
    [new ValidationError("f", "is bad", "rule"), "ValidationError", "client"],
    [new TransportError({ message: "m", code: "ECONNRESET" }), "TransportError", "client"],
    [new UnexpectedResponseError({ message: "m", excerpt: "" }), "UnexpectedResponseError", "client"],
    [new AbortError({ message: "m" }), "AbortError", "client"],
  ])("%s has its name and fault", (error, name, fault) => {
    expect([error instanceof MTurkError, error instanceof Error, error.name, error.$fault]).toEqual([true, true, name, fault]);
  });

  it("defaults metadata to zero attempts and no delay", () => {
    expect(new MTurkError({ message: "m" }).$metadata).toEqual({ attempts: 0, totalRetryDelay: 0 });
  });

  it("defaults outcomeUnknown to false", () => {
    expect(new MTurkError({ message: "m" }).outcomeUnknown).toBe(false);
  });

  it("keeps the cause", () => {
    const cause = new Error("root");
    expect(new MTurkError({ message: "m", cause }).cause).toBe(cause);
  });

  it("serializes its public fields, not the cause", () => {
    const error = new TransportError({ message: "m", code: "EPIPE", cause: new Error("secret-ish detail"), UniqueRequestToken: "t", outcomeUnknown: true });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: "TransportError",
      message: "m",
      $fault: "client",
      $metadata: { attempts: 0, totalRetryDelay: 0 },
      UniqueRequestToken: "t",
      outcomeUnknown: true,
      code: "EPIPE",
    });
  });

  it("prints as name: message", () => {
    expect(String(new RequestError({ message: "nope" }))).toBe("RequestError: nope");
  });
});

describe("isMTurkError", () => {
  it("recognises an instance", () => {
    expect(isMTurkError(new ServiceFault({ message: "m" }))).toBe(true);
  });

  it("recognises a look-alike from another copy of the library", () => {
    const foreign = Object.assign(new Error("m"), { $metadata: { attempts: 1, totalRetryDelay: 0 }, $fault: "client" });
    expect(isMTurkError(foreign)).toBe(true);
  });

  it.each([new Error("plain"), { $metadata: {}, $fault: "client" }, null, "RequestError"])("rejects %s", (value) => {
    expect(isMTurkError(value)).toBe(false);
  });
});
