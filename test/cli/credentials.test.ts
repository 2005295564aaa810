/** Credentials as the AWS CLI finds them, through the real executable with a private HOME. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCredentials } from "../../src/cli/args.js";
import { ProfileError, parseProcessOutput, runCredentialProcess } from "../../src/cli/profile.js";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { tempDir } from "../bulk/helpers.js";
import { runBin, SIMULATOR_ENV } from "./bin.js";

let sim: Simulator;
const dirs: Array<{ remove: () => void }> = [];
const KEYS = `aws_access_key_id = ${SIMULATOR_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${SIMULATOR_CREDENTIALS.secretAccessKey}\n`;
const WRONG = "aws_access_key_id = AKIDWRONG\naws_secret_access_key = wrong\n";

beforeAll(async () => {
  sim = await startSimulator({ balance: "42.00" });
});
afterAll(async () => {
  await sim.close();
  for (const dir of dirs) dir.remove();
});

/** A HOME with ~/.aws/credentials and ~/.aws/config as given. */
function homeWith(files: { credentials?: string; config?: string }): string {
  const dir = tempDir();
  dirs.push(dir);
  mkdirSync(join(dir.dir, ".aws"));
  if (files.credentials !== undefined) writeFileSync(join(dir.dir, ".aws", "credentials"), files.credentials);
  if (files.config !== undefined) writeFileSync(join(dir.dir, ".aws", "config"), files.config);
  return dir.dir;
}

/** A credential_process script: prints `output` (and `stderr`), exits with `status`. */
function processScript(home: string, output: string, status = 0, stderr = ""): string {
  const path = join(home, "creds.mjs");
  writeFileSync(
    path,
    `process.stdout.write(${JSON.stringify(output)}); process.stderr.write(${JSON.stringify(stderr)}); process.exitCode = ${status};\n`,
  );
  return `"${process.execPath}" "${path}"`;
}

const balance = (home: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runBin(["balance", "--endpoint", sim.url, ...extra], { home, env });

describe("where credentials come from", () => {
  it("uses the [default] profile of ~/.aws/credentials when nothing else is set", async () => {
    const result = await balance(homeWith({ credentials: `[default]\n${KEYS}` }));
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining("$42.00") });
  });

  it("uses [default] of ~/.aws/config too", async () => {
    expect(await balance(homeWith({ config: `[default]\nregion = us-east-1\n${KEYS}` }))).toMatchObject({ code: 0 });
  });

  it("prefers the environment's keys to [default]", async () => {
    expect(await balance(homeWith({ credentials: `[default]\n${WRONG}` }), [], SIMULATOR_ENV)).toMatchObject({
      code: 0,
    });
  });

  it("uses the profile AWS_PROFILE names, and --profile over the environment", async () => {
    const home = homeWith({ credentials: `[default]\n${WRONG}\n[study]\n${KEYS}` });
    expect(await balance(home, [], { AWS_PROFILE: "study" })).toMatchObject({ code: 0 });
    expect(
      await balance(home, ["--profile", "study"], { AWS_ACCESS_KEY_ID: "AKIDWRONG", AWS_SECRET_ACCESS_KEY: "wrong" }),
    ).toMatchObject({ code: 0 });
  });

  it("reads the files AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE name", async () => {
    const home = homeWith({});
    writeFileSync(join(home, "elsewhere"), `[profile moved]\n${KEYS}`);
    expect(await balance(home, ["--profile", "moved"], { AWS_CONFIG_FILE: join(home, "elsewhere") })).toMatchObject({
      code: 0,
    });
    writeFileSync(join(home, "creds-elsewhere"), `[default]\n${KEYS}`);
    expect(await balance(home, [], { AWS_SHARED_CREDENTIALS_FILE: join(home, "creds-elsewhere") })).toMatchObject({
      code: 0,
    });
  });

  it("says what to do when there are no credentials at all", async () => {
    const result = await balance(homeWith({}));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME .*\[default\].*mturk-bonus simulate/s,
    );
  });
});

describe("each kind of unusable profile has its own message", () => {
  it("a missing profile lists the profiles that exist", async () => {
    const result = await balance(homeWith({ credentials: `[default]\n${KEYS}\n[work]\n${KEYS}` }), [
      "--profile",
      "nope",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /profile "nope" was not found in .*credentials or .*config \(profiles there: default, work\)/,
    );
  });

  it("a profile without keys says so", async () => {
    const result = await balance(homeWith({ config: "[profile bare]\nregion = us-east-1\n" }), ["--profile", "bare"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'profile "bare" has neither aws_access_key_id with aws_secret_access_key nor credential_process',
    );
  });

  it.each([
    [
      "sso_session",
      "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Pay\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n",
      "IAM Identity Center (sso_session)",
    ],
    [
      "sso_start_url",
      "[profile dev]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
      "IAM Identity Center (sso_start_url)",
    ],
    [
      "role_arn",
      "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Pay\nsource_profile = default\n",
      "an assumed role (role_arn)",
    ],
  ])("a profile with %s names what is unsupported and the command that helps", async (_, config, what) => {
    const result = await balance(homeWith({ config }), ["--profile", "dev"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`profile "dev" uses ${what}, which mturk-bonus does not support`);
    expect(result.stderr).toContain("aws configure export-credentials --profile dev --format env");
  });
});

describe("credential_process", () => {
  it("runs the process and signs with what it prints", async () => {
    const home = homeWith({});
    const command = processScript(
      home,
      JSON.stringify({
        Version: 1,
        AccessKeyId: SIMULATOR_CREDENTIALS.accessKeyId,
        SecretAccessKey: SIMULATOR_CREDENTIALS.secretAccessKey,
        Expiration: "2999-01-01T00:00:00Z",
      }),
    );
    writeFileSync(join(home, ".aws", "config"), `[profile proc]\ncredential_process = ${command}\n`);
    const result = await balance(home, ["--profile", "proc", "--verbose"]);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining("$42.00") });
    expect(result.stderr).not.toContain(SIMULATOR_CREDENTIALS.secretAccessKey);
  });

  it("refuses output that is not Version 1 JSON with both keys, naming fields and never values", async () => {
    const home = homeWith({});
    const secret = "verysecretvalue/abcdefghijklmnopqrstuvwxyz";
    const command = processScript(home, JSON.stringify({ Version: 2, AccessKeyId: "AKIDX", SecretAccessKey: secret }));
    writeFileSync(join(home, ".aws", "config"), `[profile proc]\ncredential_process = ${command}\n`);
    const result = await balance(home, ["--profile", "proc"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'the credential_process of profile "proc" printed Version 2; only Version 1 is understood',
    );
    expect(result.stderr + result.stdout).not.toContain(secret);
    expect(() => parseProcessOutput("p", JSON.stringify({ Version: 1, AccessKeyId: "AKIDX" }))).toThrow(
      /printed no SecretAccessKey/,
    );
    expect(() => parseProcessOutput("p", "not json")).toThrow(/did not print JSON/);
    expect(() =>
      parseProcessOutput(
        "p",
        JSON.stringify({ Version: 1, AccessKeyId: "A", SecretAccessKey: secret, Expiration: "2020-01-01T00:00:00Z" }),
      ),
    ).toThrow(/expired/);
  });

  it("keeps the Expiration, and hands the client a provider that runs the process again for fresh keys", async () => {
    const home = homeWith({});
    const counter = join(home, "runs.txt");
    const script = join(home, "counting.mjs");
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    writeFileSync(
      script,
      `import { appendFileSync, readFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(counter)}, "x");\n` +
        `const n = readFileSync(${JSON.stringify(counter)}, "utf8").length;\n` +
        `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: "AKIDRUN" + n, SecretAccessKey: "s", SessionToken: "t", Expiration: ${JSON.stringify(expiration)} }));\n`,
    );
    writeFileSync(
      join(home, ".aws", "config"),
      `[profile temp]\ncredential_process = "${process.execPath}" "${script}"\n`,
    );
    writeFileSync(join(home, ".aws", "credentials"), `[static]\n${KEYS}`);
    const env = {
      AWS_CONFIG_FILE: join(home, ".aws", "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    };
    const found = findCredentials({ profile: "temp" }, env);
    expect(found.credentials, "loaded at once").toMatchObject({
      accessKeyId: "AKIDRUN1",
      expiration: new Date(expiration),
    });
    expect(found.provider, "a provider for expiring keys").toBeTypeOf("function");
    expect((await found.provider!()).accessKeyId, "first call: the keys already loaded").toBe("AKIDRUN1");
    expect((await found.provider!()).accessKeyId, "later calls: the process runs again").toBe("AKIDRUN2");
    expect(findCredentials({ profile: "static" }, env).provider, "static keys need no provider").toBeUndefined();
  });

  it("reports a failing process with its stderr, key-like text redacted", async () => {
    const home = homeWith({});
    const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
    const command = processScript(home, "", 3, `login needed; last key ${secret}\n`);
    writeFileSync(join(home, ".aws", "credentials"), `[proc]\ncredential_process = ${command}\n`);
    const result = await balance(home, ["--profile", "proc"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'the credential_process of profile "proc" failed (exit status 3): login needed; last key [REDACTED]',
    );
    expect(result.stderr).not.toContain(secret);
  });

  it("stops a process that does not finish in time", () => {
    let caught: unknown;
    try {
      runCredentialProcess("slow", `"${process.execPath}" -e "setTimeout(() => {}, 10000)"`, 300);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProfileError);
    expect((caught as ProfileError).message).toBe(
      'the credential_process of profile "slow" did not finish within 300 ms and was stopped',
    );
  });
});
