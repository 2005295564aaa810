/**
 * AWS JSON 1.1 protocol cases: how an answer is read (error code, fault,
 * message) and how a request is sent. Transcribed as data from the sources
 * named on each case; `skip` says why MTurk's client keeps its own behaviour.
 */
import { SOURCES, type Source } from "../sources.js";

/** An answer and what the client must make of it. */
export interface ResponseCase {
  id: string;
  source: Source;
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** For an error answer: the error's name (the sanitized code), and optionally its fault and message. */
  error?: { name: string; $fault?: "client" | "server"; message?: string };
  skip?: string;
}

const JSON_TYPE = { "Content-Type": "application/x-amz-json-1.1" };
const CORAL_URI = "http://internal.amazon.com/coral/com.amazon.coral.validate/";

export const RESPONSE_CASES: ResponseCase[] = [
  // smithy awsJson1_1 errors.smithy: httpResponseTests of InvalidGreeting, ComplexError and FooError.
  {
    id: "AwsJson11InvalidGreetingError",
    source: SOURCES.smithyErrors,
    status: 400,
    headers: JSON_TYPE,
    body: '{"__type":"InvalidGreeting","Message":"Hi"}',
    error: { name: "InvalidGreeting", $fault: "client", message: "Hi" },
  },
  {
    id: "AwsJson11ComplexError",
    source: SOURCES.smithyErrors,
    status: 400,
    headers: JSON_TYPE,
    body: '{"__type":"ComplexError","TopLevel":"Top level","Nested":{"Foo":"bar"}}',
    error: { name: "ComplexError", $fault: "client" },
  },
  {
    id: "AwsJson11EmptyComplexError",
    source: SOURCES.smithyErrors,
    status: 400,
    headers: JSON_TYPE,
    body: '{"__type":"ComplexError"}',
    error: { name: "ComplexError", $fault: "client" },
  },
  {
    id: "AwsJson11FooErrorUsingXAmznErrorType",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: { "X-Amzn-Errortype": "FooError" },
    error: { name: "FooError", $fault: "server" },
  },
  {
    id: "AwsJson11FooErrorUsingXAmznErrorTypeWithUri",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: { "X-Amzn-Errortype": `FooError:${CORAL_URI}` },
    error: { name: "FooError", $fault: "server" },
  },
  {
    id: "AwsJson11FooErrorUsingXAmznErrorTypeWithUriAndNamespace",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: { "X-Amzn-Errortype": `aws.protocoltests.json#FooError:${CORAL_URI}` },
    error: { name: "FooError", $fault: "server" },
  },
  {
    id: "AwsJson11FooErrorUsingCode",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: '{"code":"FooError"}',
    error: { name: "FooError", $fault: "server" },
  },
  {
    id: "AwsJson11FooErrorUsingCodeAndNamespace",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: '{"code":"aws.protocoltests.json#FooError"}',
    error: { name: "FooError" },
  },
  {
    id: "AwsJson11FooErrorUsingCodeUriAndNamespace",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: `{"code":"aws.protocoltests.json#FooError:${CORAL_URI}"}`,
    error: { name: "FooError" },
  },
  {
    id: "AwsJson11FooErrorWithDunderType",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: '{"__type":"FooError"}',
    error: { name: "FooError" },
  },
  {
    id: "AwsJson11FooErrorWithDunderTypeAndNamespace",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: '{"__type":"aws.protocoltests.json#FooError"}',
    error: { name: "FooError" },
  },
  {
    id: "AwsJson11FooErrorWithDunderTypeAndDifferentNamespace",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: '{"__type":"aws.different.namespace#FooError"}',
    error: { name: "FooError" },
  },
  {
    id: "AwsJson11FooErrorWithDunderTypeUriAndNamespace",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: `{"__type":"aws.protocoltests.json#FooError:${CORAL_URI}"}`,
    error: { name: "FooError" },
  },
  {
    id: "AwsJson11FooErrorWithNestedTypeProperty",
    source: SOURCES.smithyErrors,
    status: 500,
    headers: JSON_TYPE,
    body: '{"__type":"aws.protocoltests.json#FooError","ErrorDetails":[{"__type":"com.amazon.internal#ErrorDetails","reason":"Some reason"}]}',
    error: { name: "FooError" },
  },

  // aws-sdk-js-v3 parseJsonBody.spec.ts: "reads the code of the error case-insensitively".
  {
    id: "loadRestJsonErrorCode cOdE",
    source: SOURCES.jsV3ErrorCode,
    status: 400,
    headers: JSON_TYPE,
    body: '{"cOdE":"OhNoException:Sender"}',
    error: { name: "OhNoException" },
  },

  // botocore test_parsers.py (JSON protocol and the case-insensitive keys case).
  {
    id: "test_response_metadata_errors_for_json_protocol",
    source: SOURCES.botocoreParsers,
    status: 400,
    headers: { "x-amzn-requestid": "request-id" },
    body: '{"__type":"amazon.foo.validate#ValidationException","message":"this is a message"}',
    error: { name: "ValidationException", message: "this is a message" },
  },
  {
    id: "test_response_metadata_errors_alternate_form_json_protocol",
    source: SOURCES.botocoreParsers,
    status: 400,
    headers: { "x-amzn-requestid": "request-id" },
    body: '{"__type":"ValidationException","message":"this is a message"}',
    error: { name: "ValidationException", message: "this is a message" },
  },
  {
    id: "test_can_parse_with_case_insensitive_keys",
    source: SOURCES.botocoreParsers,
    status: 400,
    body: '{"Code":"AccessDeniedException","type":"Client","Message":"Access denied"}',
    error: { name: "AccessDeniedException", message: "Access denied" },
  },
  {
    id: "test_can_parse_glacier_error_response",
    source: SOURCES.botocoreParsers,
    status: 400,
    body: '{"code":"AccessDeniedException","type":"Client","message":"Access denied"}',
    error: { name: "AccessDeniedException", message: "Access denied" },
  },
  {
    id: "test_can_parse_restjson_error_code",
    source: SOURCES.botocoreParsers,
    status: 400,
    body: '{"status":"error","__type":"#WasUnableToParseThis","message":"blah"}',
    error: { name: "WasUnableToParseThis", message: "blah" },
  },
  {
    id: "test_can_parse_json_modeled_fields",
    source: SOURCES.botocoreParsers,
    status: 400,
    body: '{"ModeledField":"Some modeled field","Message":"Some message","__type":"Prefix#SomeError"}',
    error: { name: "SomeError", message: "Some message" },
  },
  {
    id: "test_can_handle_generic_error_message (html body)",
    source: SOURCES.botocoreParsers,
    status: 503,
    body: "<html><body><b>Http/1.1 Service Unavailable</b></body></html>",
    error: { name: "503" },
    skip: "botocore names a code-less answer after its status (Code '503'); ours is an UnexpectedResponseError carrying the status and a body excerpt, a typed error the README documents, retried all the same",
  },
  {
    id: "test_can_handle_generic_error_message (empty body)",
    source: SOURCES.botocoreParsers,
    status: 503,
    body: "",
    error: { name: "503" },
    skip: "as above: an UnexpectedResponseError with httpStatusCode 503, not an error named '503'",
  },

  // smithy awsJson1_1 empty-operation.smithy: a client must accept any of these as success.
  {
    id: "handles_empty_output_shape",
    source: SOURCES.smithyEmptyOperation,
    status: 200,
    headers: JSON_TYPE,
    body: "{}",
  },
  {
    id: "handles_unexpected_json_output",
    source: SOURCES.smithyEmptyOperation,
    status: 200,
    headers: JSON_TYPE,
    body: '{"foo":true}',
  },
  {
    id: "json_1_1_service_responds_with_no_payload",
    source: SOURCES.smithyEmptyOperation,
    status: 200,
    headers: JSON_TYPE,
    body: "",
  },
];

/** A request the client must send. */
export interface RequestCase {
  id: string;
  source: Source;
  /** The client's `endpoint` option, relative to the fake server's origin (`""` for the origin itself). */
  endpointPath: string;
  operation: "SendBonus" | "GetAccountBalance";
  expect: { method: "POST"; path: string; headers: Record<string, string>; body?: string };
  skip?: string;
}

const TARGET = (operation: string) => `MTurkRequesterServiceV20170117.${operation}`;

export const REQUEST_CASES: RequestCase[] = [
  {
    id: "sends_requests_to_slash",
    source: SOURCES.smithyEmptyOperation,
    endpointPath: "",
    operation: "GetAccountBalance",
    expect: {
      method: "POST",
      path: "/",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": TARGET("GetAccountBalance") },
    },
  },
  {
    id: "includes_x_amz_target_and_content_type",
    source: SOURCES.smithyEmptyOperation,
    endpointPath: "",
    operation: "SendBonus",
    expect: {
      method: "POST",
      path: "/",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": TARGET("SendBonus") },
    },
  },
  {
    id: "json_1_1_client_sends_empty_payload_for_no_input_shape",
    source: SOURCES.smithyEmptyOperation,
    endpointPath: "",
    operation: "GetAccountBalance",
    expect: { method: "POST", path: "/", headers: { "content-type": "application/x-amz-json-1.1" }, body: "{}" },
  },
  {
    id: "AwsJson11HostWithPath",
    source: SOURCES.smithyEndpointPaths,
    endpointPath: "/custom",
    operation: "GetAccountBalance",
    expect: {
      method: "POST",
      path: "/custom/",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": TARGET("GetAccountBalance") },
      body: "{}",
    },
  },
];
