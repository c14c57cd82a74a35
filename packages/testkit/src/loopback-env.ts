/**
 * The environment every test, demo and bench needs so that no SDK probes a metadata server or a public host.
 * Applied by the shared vitest config too; call this in scripts that run outside vitest.
 */
export const loopbackEnvironment: Readonly<Record<string, string>> = {
  METADATA_SERVER_DETECTION: 'none',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Sets {@link loopbackEnvironment} on `process.env` (keeping values that are already set). */
export function applyLoopbackEnvironment(environment: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(loopbackEnvironment)) {
    if (environment[name] === undefined) environment[name] = value;
  }
}
