/** Moved to `src/cli/profile.ts` (credentials are the command line's business); kept for `mturk-bonus/bulk`'s exports. */
export { credentialsFromProfile, parseIni, profileFiles } from "../cli/profile.js";
