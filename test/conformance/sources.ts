/**
 * Where the conformance cases come from: public test suites of the AWS
 * ecosystem, read at these commits. Each case cites one of these and names
 * the case (test id, spec title or table row) it was transcribed from. Only
 * their data is transcribed here; none of their code.
 */
export interface Source {
  repo: string;
  path: string;
  commit: string;
}

const SMITHY = { repo: "smithy-lang/smithy", commit: "0f7323128b0606a1b94b1ac482c94d3800a22708" };
const SMITHY_TS = { repo: "smithy-lang/smithy-typescript", commit: "6815d3e96f3abc32e238bf6d806523aab81c6a8e" };
const BOTOCORE = { repo: "boto/botocore", commit: "0e6e2404b85dc336dd2889814e089bde7d1a4c55" };

export const SOURCES = {
  smithyErrors: { ...SMITHY, path: "smithy-aws-protocol-tests/model/awsJson1_1/errors.smithy" },
  smithyEmptyOperation: { ...SMITHY, path: "smithy-aws-protocol-tests/model/awsJson1_1/empty-operation.smithy" },
  smithyEndpointPaths: { ...SMITHY, path: "smithy-aws-protocol-tests/model/awsJson1_1/endpoint-paths.smithy" },
  smithyTsRetryAfter: {
    ...SMITHY_TS,
    path: "packages/core/src/submodules/retry/middleware-retry/parseRetryAfterHeader.spec.ts",
  },
  smithyTsClassification: {
    ...SMITHY_TS,
    path: "packages/core/src/submodules/retry/service-error-classification/service-error-classification.spec.ts",
  },
  smithyTsClassificationConstants: {
    ...SMITHY_TS,
    path: "packages/core/src/submodules/retry/service-error-classification/constants.ts",
  },
  smithyTsStandardStrategy: {
    ...SMITHY_TS,
    path: "packages/core/src/submodules/retry/util-retry/StandardRetryStrategy.ts",
  },
  jsV3ErrorCode: {
    repo: "aws/aws-sdk-js-v3",
    path: "packages/core/src/submodules/protocols/json/parseJsonBody.spec.ts",
    commit: "6861ca93aa3735586d1c1d1634c3f6ace75d73dd",
  },
  jsV3ClockSkewed: {
    repo: "aws/aws-sdk-js-v3",
    path: "packages/core/src/submodules/httpAuthSchemes/utils/isClockSkewed.spec.ts",
    commit: "81fea7c054c8e28c69db7ca30d9c76dadb6552d7",
  },
  jsV3ClockOffset: {
    repo: "aws/aws-sdk-js-v3",
    path: "packages/core/src/submodules/httpAuthSchemes/utils/getUpdatedSystemClockOffset.spec.ts",
    commit: "d930c215942e422ed12170e8e3103ba06da57192",
  },
  botocoreParsers: { ...BOTOCORE, path: "tests/unit/test_parsers.py" },
  botocoreStandardRetries: { ...BOTOCORE, path: "tests/unit/retries/test_standard.py" },
} satisfies Record<string, Source>;

/** `repo@commit:path`, for a test title or a failure message. */
export function cite(source: Source): string {
  return `${source.repo}@${source.commit.slice(0, 12)}:${source.path}`;
}
