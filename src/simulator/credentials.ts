import type { SigningCredentials } from "./sigv4.js";

/**
 * The key pair a simulator accepts when given none. Not a secret: it only
 * opens simulators. Not frozen, because the AWS SDK annotates the
 * credential objects it is given.
 */
export const SIMULATOR_CREDENTIALS: SigningCredentials = {
  accessKeyId: "AKIDSIMULATOR0000001",
  secretAccessKey: "simulator/secret/not-an-aws-key/0000000",
};
