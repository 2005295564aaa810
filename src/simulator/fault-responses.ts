/**
 * What each injected fault looks like on the wire. These are the forms a
 * client meets in the field: the modeled ServiceFault, Coral throttling, a
 * proxy's HTML page, the three legal spellings of an error type, and broken
 * bodies.
 */
import type { FaultSpec } from "./faults.js";
import {
  awsHeaders,
  coralError,
  jsonResponse,
  stamped,
  turkError,
  type ResponseContext,
  type SimResponse,
} from "./protocol.js";

const SERVICE_FAULT_MESSAGE =
  "Amazon Mechanical Turk is temporarily unable to process your request. Try your call again.";

const INJECTED_REQUEST_ERROR = "This request was refused by an injected fault.";

/** TurkErrorCode of the RequestErrors the odd-`__type` faults send. */
export const INJECTED_TURK_ERROR_CODE = "AWS.MechanicalTurk.SimulatedRequestError";

const PROXY_PAGE =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

/**
 * The answer for a fault that refuses the request before it is processed.
 * `delay` and `lostAnswer` never get here: they act after processing.
 *
 * @param ledgerNow - ledger clock, for the `(epoch ms)` message suffix
 */
export function faultResponse(spec: FaultSpec, ctx: ResponseContext, ledgerNow: number): SimResponse {
  const message = stamped(INJECTED_REQUEST_ERROR, ledgerNow);
  switch (spec.kind) {
    case "serviceFault":
      return turkError("ServiceFault", stamped(SERVICE_FAULT_MESSAGE, ledgerNow), undefined, spec.status ?? 500, ctx);
    case "throttle":
      return coralError(spec.status ?? 400, "ThrottlingException", "Rate exceeded", ctx);
    case "proxy502":
      // A proxy in front of the service answers; AWS never saw the request, so there is no request id.
      return {
        status: spec.status ?? 502,
        headers: { "content-type": "text/html", date: new Date(ctx.now).toUTCString() },
        body: PROXY_PAGE,
      };
    case "namespacedType":
      return jsonResponse(
        400,
        { __type: "com.amazonaws.mturk#RequestError", Message: message, TurkErrorCode: INJECTED_TURK_ERROR_CODE },
        ctx,
      );
    case "urlType":
      return jsonResponse(
        400,
        {
          __type: "RequestError:http://internal.amazon.com/coral/com.amazonaws.mturk/",
          Message: message,
          TurkErrorCode: INJECTED_TURK_ERROR_CODE,
        },
        ctx,
      );
    case "headerOnly":
      return {
        status: 400,
        headers: { ...awsHeaders(ctx), "x-amzn-errortype": "RequestError" },
        body: JSON.stringify({ Message: message, TurkErrorCode: INJECTED_TURK_ERROR_CODE }),
      };
    case "truncated": {
      const whole = turkError("ServiceFault", stamped(SERVICE_FAULT_MESSAGE, ledgerNow), undefined, 500, ctx);
      return { ...whole, body: whole.body.slice(0, Math.floor(whole.body.length / 2)) };
    }
    case "empty500":
      return { status: spec.status ?? 500, headers: awsHeaders(ctx), body: "" };
    case "delay":
    case "lostAnswer":
      throw new Error(`${spec.kind} acts after processing and has no answer of its own`);
  }
}
