/**
 * `--profile NAME`: an access key pair from the AWS shared credentials file
 * (`~/.aws/credentials`, or `$AWS_SHARED_CREDENTIALS_FILE`), falling back to
 * the config file (`~/.aws/config`, `[profile NAME]`), as the AWS CLI reads
 * them. Static keys only: MTurk does not take IAM role credentials.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Credentials } from "../credentials.js";

/** Sections of an INI file: name → key → value. Keys are lowercased. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section) {
      const name = (section[1] as string).trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq === -1 || current === undefined) continue;
    // Nested settings (indented lines such as `s3 =` blocks) are not credentials; a value's inline comment needs a space before `#`.
    if (/^\s/.test(raw)) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).replace(/\s[#;].*$/, "").trim();
    current.set(key, value);
  }
  return sections;
}

function keysOf(section: Map<string, string> | undefined): Credentials | undefined {
  const accessKeyId = section?.get("aws_access_key_id");
  const secretAccessKey = section?.get("aws_secret_access_key");
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = section?.get("aws_session_token");
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** The files `--profile` reads, in order. */
export function profileFiles(env: Record<string, string | undefined> = process.env): { credentials: string; config: string } {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials"),
    config: env.AWS_CONFIG_FILE ?? join(home, ".aws", "config"),
  };
}

/** Reads a profile's static keys; throws an `Error` that says where it looked when there are none. */
export function credentialsFromProfile(name: string, env: Record<string, string | undefined> = process.env): Credentials {
  const files = profileFiles(env);
  if (existsSync(files.credentials)) {
    const found = keysOf(parseIni(readFileSync(files.credentials, "utf8")).get(name));
    if (found) return found;
  }
  if (existsSync(files.config)) {
    const sections = parseIni(readFileSync(files.config, "utf8"));
    const found = keysOf(sections.get(name === "default" ? "default" : `profile ${name}`) ?? sections.get(name));
    if (found) return found;
  }
  throw new Error(
    `profile "${name}" has no aws_access_key_id and aws_secret_access_key in ${files.credentials} or ${files.config}` +
      (existsSync(files.credentials) || existsSync(files.config) ? "" : " (neither file exists)"),
  );
}
