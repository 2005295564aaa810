/** Types for ceiling.mjs, for the smoke test (test/bench/smoke.test.ts). */
export interface CeilingCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}
export interface CeilingBonus {
  WorkerId: string;
  BonusAmount: string;
  AssignmentId: string;
  Reason: string;
}
export function ceilingSigner(
  credentials: CeilingCredentials,
  host: string,
  region?: string,
): (body: string, now?: number) => Record<string, string>;
export function ceilingBody(bonus: CeilingBonus, token: string): string;
export function ceilingClient(options: { endpoint: string; credentials: CeilingCredentials }): Promise<{
  send(bonus: CeilingBonus, token?: string): Promise<void>;
  close(): Promise<void>;
}>;
