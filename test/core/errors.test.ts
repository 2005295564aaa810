/** The error classes: names, faults, defaults, JSON form and the cross-realm guard. */
import { runInNewContext } from "node:vm";
import {
  MTurkServiceException,
  RequestError as SdkRequestError,
  ServiceFault as SdkServiceFault,
} from "@aws-sdk/client-mturk";
import { describe, expect, it } from "vitest";
import {
  AbortError,
  ClientDestroyedError,
  CredentialsProviderError,
  isMTurkError,
  MTurkError,
  RequestError,
  ServiceFault,
  ThrottlingException,
  TimeoutError,
  TransportError,
  UnexpectedResponseError,
  ValidationError,
} from "../../src/errors.js";
import * as nodeBuild from "../../src/index.js";
import * as edgeBuild from "../../src/edge.js";

describe("error classes", () => {
  it.each<[MTurkError, string, string]>([
    [new RequestError({ message: "m" }), "RequestError", "client"],
    [new ServiceFault({ message: "m" }), "ServiceFault", "server"],
    [new ValidationError("f", "is bad", "rule"), "ValidationError", "client"],
    [new TransportError({ message: "m", code: "ECONNRESET" }), "TransportError", "client"],
    [new UnexpectedResponseError({ message: "m", excerpt: "" }), "UnexpectedResponseError", "client"],
    [new AbortError({ message: "m" }), "AbortError", "client"],
  ])("%s has its name and fault", (error, name, fault) => {
    expect(error, "error class").toBeInstanceOf(MTurkError);
    expect(error, "error class").toBeInstanceOf(Error);
    expect(error.name, "error.name").toEqual(name);
    expect(error.$fault, "error.$fault").toEqual(fault);
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
    const error = new TransportError({
      message: "m",
      code: "EPIPE",
      cause: new Error("secret-ish detail"),
      UniqueRequestToken: "t",
      outcomeUnknown: true,
    });
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

  it("recognises an error of another copy of the library in another realm, by its registered brand", () => {
    // What a second bundled copy does: its own class, the same registered symbol.
    const foreign: unknown = runInNewContext(
      'class MTurkError extends Error {}; Object.defineProperty(MTurkError.prototype, Symbol.for("mturk-bonus.error"), { value: true }); new MTurkError("m")',
    );
    expect(foreign instanceof MTurkError, "foreign instanceof MTurkError").toBe(false);
    expect(isMTurkError(foreign), "isMTurkError(foreign)").toBe(true);
  });

  it("does not take an SDK-shaped look-alike for one of ours", () => {
    const lookAlike = Object.assign(new Error("m"), {
      $metadata: { attempts: 1, totalRetryDelay: 0 },
      $fault: "client",
    });
    expect(isMTurkError(lookAlike)).toBe(false);
  });

  it.each([
    [
      "MTurkServiceException",
      new MTurkServiceException({
        name: "ThrottlingException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
        message: "Rate exceeded",
      }),
    ],
    [
      "RequestError",
      new SdkRequestError({ $metadata: { httpStatusCode: 400 }, message: "no", Message: "no", TurkErrorCode: "AWS.X" }),
    ],
    ["ServiceFault", new SdkServiceFault({ $metadata: { httpStatusCode: 500 }, message: "down", Message: "down" })],
  ])("does not recognise the AWS SDK's %s", (_name, error) => {
    expect(isMTurkError(error)).toBe(false);
  });

  it.each([new Error("plain"), { $metadata: {}, $fault: "client" }, null, "RequestError"])("rejects %s", (value) => {
    expect(isMTurkError(value)).toBe(false);
  });
});

describe("errors as the SDK's users read them", () => {
  it.each([
    ["TimeoutError", TimeoutError],
    ["ThrottlingException", ThrottlingException],
    ["CredentialsProviderError", CredentialsProviderError],
    ["ClientDestroyedError", ClientDestroyedError],
    ["TransportError", TransportError],
    ["RequestError", RequestError],
    ["ServiceFault", ServiceFault],
  ])("exports %s as a class from both builds", (name, cls) => {
    expect((nodeBuild as Record<string, unknown>)[name], "nodeBuild[name]").toEqual(cls);
    expect((edgeBuild as Record<string, unknown>)[name], "edgeBuild[name]").toEqual(cls);
  });

  it("names each class as the README does", () => {
    const made = [
      new TimeoutError({ message: "m", code: "TimeoutError" }),
      new ThrottlingException({ message: "m" }),
      new CredentialsProviderError({ message: "m" }),
      new ClientDestroyedError(),
    ];
    expect(made.map((e) => [e.name, e instanceof MTurkError])).toEqual([
      ["TimeoutError", true],
      ["ThrottlingException", true],
      ["CredentialsProviderError", true],
      ["ClientDestroyedError", true],
    ]);
    expect(made[0]).toBeInstanceOf(TransportError);
  });

  it("mirrors message as Message, as the SDK's errors do", () => {
    expect(new RequestError({ message: "You requested a Qualification that does not exist." }).Message).toBe(
      "You requested a Qualification that does not exist.",
    );
  });

  it.each([
    ["a bare error", new MTurkError({ message: "m" })],
    [
      "a service error without a code or request id",
      new RequestError({ message: "m", $metadata: { httpStatusCode: 400, requestId: undefined } }),
    ],
    ["a validation error", new ValidationError("f", "is bad", "rule")],
  ])("holds no own key set to undefined: %s", (_label, error) => {
    const undefinedKeys = (value: object): string[] =>
      Object.entries(value).flatMap(([key, v]) =>
        v === undefined ? [key] : typeof v === "object" && v !== null ? undefinedKeys(v).map((k) => `${key}.${k}`) : [],
      );
    expect(undefinedKeys(error)).toEqual([]);
  });
});
