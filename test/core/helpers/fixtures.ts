/** Shared test data: credentials that look real enough to leak, and valid SendBonus inputs. */
import type { Credentials } from "../../../src/credentials.js";
import type { SendBonusInput } from "../../../src/validate.js";

export const CREDENTIALS: Credentials = {
  accessKeyId: "AKIATESTEXAMPLE00001",
  secretAccessKey: "tEsTsEcReT/K7MDENG+bPxRfiCYzzEXAMPLEKEY01",
};

export const SESSION_CREDENTIALS: Credentials = {
  accessKeyId: "ASIATESTEXAMPLE00002",
  secretAccessKey: "sEsSiOnSeCrEt/K7MDENG+bPxRfiCYzzEXAMPLEKEY2",
  sessionToken:
    "FwoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLEsessiontokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/ExampleSessionTokenThatIsLongEnoughToMatterInExcerpts==",
};

export const TOKEN = "bonus-A1B2C3D4E5F6G7-3X1FV8S5J09OQY1JC80W57HTHFJGVM";

export function bonusInput(overrides: Partial<SendBonusInput> = {}): SendBonusInput {
  return {
    WorkerId: "A1B2C3D4E5F6G7",
    BonusAmount: "1.50",
    AssignmentId: "3X1FV8S5J09OQY1JC80W57HTHFJGVM",
    Reason: "Thanks for the careful work",
    UniqueRequestToken: TOKEN,
    ...overrides,
  };
}

/** An AWS JSON 1.1 error answer. */
export function awsError(status: number, type: string, message: string, extra: Record<string, unknown> = {}) {
  return {
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": `req-${status}-${type}` },
    body: JSON.stringify({ __type: type, Message: message, ...extra }),
  };
}

/** MTurk's (best-guess) answer to a token it has already processed. */
export function alreadyProcessed(token: string) {
  return awsError(400, "RequestError", `The idempotency token "${token}" has already been processed. (1626172412406)`, {
    TurkErrorCode: "AWS.MechanicalTurk.DuplicateRequest",
  });
}

export const OK = {
  status: 200,
  headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-ok" },
  body: "{}",
};

/** Every substring of `secret` at least `min` long: none of them may leak. */
export function leakedPieceOf(secret: string, text: string, min = 12): string | undefined {
  for (let start = 0; start + min <= secret.length; start++) {
    const piece = secret.slice(start, start + min);
    if (text.includes(piece)) return piece;
  }
  return undefined;
}
