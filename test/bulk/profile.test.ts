import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { credentialsFromProfile, parseIni } from "../../src/bulk/profile.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

describe("credentials from a named profile", () => {
  it("parses the shared credentials file, comments and all", () => {
    const sections = parseIni(
      "# comment\n[default]\naws_access_key_id = AKIA1 ; note\naws_secret_access_key=s1\n\n[study]\r\nAWS_ACCESS_KEY_ID = AKIA2\r\naws_secret_access_key = s2\r\naws_session_token = t2\r\n",
    );
    expect(Object.fromEntries(sections.get("default") ?? [])).toEqual({
      aws_access_key_id: "AKIA1",
      aws_secret_access_key: "s1",
    });
    expect(sections.get("study")?.get("aws_session_token")).toBe("t2");
  });

  it("reads a profile from the credentials file, then the config file, and says where it looked", () => {
    const credentials = tmp.path("credentials");
    const config = tmp.path("config");
    writeFileSync(credentials, "[a]\naws_access_key_id = K1\naws_secret_access_key = S1\n");
    writeFileSync(config, "[profile b]\naws_access_key_id = K2\naws_secret_access_key = S2\nregion = us-east-1\n");
    const env = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
    expect(credentialsFromProfile("a", env)).toEqual({ accessKeyId: "K1", secretAccessKey: "S1" });
    expect(credentialsFromProfile("b", env)).toEqual({ accessKeyId: "K2", secretAccessKey: "S2" });
    expect(() => credentialsFromProfile("c", env)).toThrow(
      /profile "c" was not found in .*credentials or .*config \(profiles there: a, b\)/,
    );
  });
});
