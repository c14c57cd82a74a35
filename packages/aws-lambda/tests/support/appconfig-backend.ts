import { randomUUID } from 'node:crypto';
import {
  AppConfigClient,
  CreateApplicationCommand,
  CreateConfigurationProfileCommand,
  CreateDeploymentStrategyCommand,
  CreateEnvironmentCommand,
  CreateHostedConfigurationVersionCommand,
  DeleteEnvironmentCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { type AppConfigServer, type MotoServer, startAppConfigServer, startMoto } from '@faultline/testkit';

/** moto + the local AppConfig in front of it, on a clock the test moves. */
export interface AppConfigBackend {
  readonly moto: MotoServer;
  readonly server: AppConfigServer;
  readonly control: AppConfigClient;
  /** The clock shared by the server and the sources under test. */
  readonly clock: { now(): number };
  /** Moves the shared clock forward. */
  advance(milliseconds: number): void;
  /** A fresh application (unique name) with environment `prod` and freeform profile `faultline`. */
  createProfile(): Promise<AppConfigProfile>;
  stop(): Promise<void>;
}

/** One application/environment/profile, and the control-plane writes a deploy pipeline would make. */
export interface AppConfigProfile {
  readonly application: string;
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  /** Creates a hosted version and deploys it all at once with no bake (an instant strategy made for the tests). */
  deploy(text: string, contentType?: string): Promise<{ version: number; deployment: number }>;
  /** Deletes the environment: AppConfigData and the extension then answer 404. */
  removeEnvironment(): Promise<void>;
}

const pollIntervalMs = 60_000;

/**
 * Starts moto and the local AppConfig. The clock starts at the real time and only moves when the test says so;
 * after each deploy it moves past every poll interval (the session's 15–60 s, the extension's 45 s), as a reader
 * polling on its schedule would see the change.
 */
export async function startAppConfigBackend(): Promise<AppConfigBackend> {
  let now = Date.now();
  const clock = { now: () => now };
  const moto = await startMoto();
  const server = await startAppConfigServer({ motoEndpoint: moto.endpoint, now: clock.now });
  const control = new AppConfigClient({ endpoint: server.endpoint, region: 'us-east-1', maxAttempts: 1 });
  const instant = await control.send(
    new CreateDeploymentStrategyCommand({
      Name: `instant-${randomUUID().slice(0, 8)}`,
      DeploymentDurationInMinutes: 0,
      GrowthFactor: 100,
      FinalBakeTimeInMinutes: 0,
      ReplicateTo: 'NONE',
    }),
  );
  const advance = (milliseconds: number) => {
    now += milliseconds;
  };

  return {
    moto,
    server,
    control,
    clock,
    advance,
    async createProfile() {
      const application = `faultline-${randomUUID().slice(0, 8)}`;
      const app = await control.send(new CreateApplicationCommand({ Name: application }));
      const environment = await control.send(
        new CreateEnvironmentCommand({ ApplicationId: app.Id, Name: 'prod' }),
      );
      const profile = await control.send(
        new CreateConfigurationProfileCommand({
          ApplicationId: app.Id,
          Name: 'faultline',
          LocationUri: 'hosted',
          Type: 'AWS.Freeform',
        }),
      );
      const ids = {
        applicationId: app.Id as string,
        environmentId: environment.Id as string,
        profileId: profile.Id as string,
      };
      return {
        application,
        ...ids,
        async deploy(text, contentType = 'application/json') {
          const version = await control.send(
            new CreateHostedConfigurationVersionCommand({
              ApplicationId: ids.applicationId,
              ConfigurationProfileId: ids.profileId,
              Content: new TextEncoder().encode(text),
              ContentType: contentType,
            }),
          );
          const deployment = await control.send(
            new StartDeploymentCommand({
              ApplicationId: ids.applicationId,
              EnvironmentId: ids.environmentId,
              ConfigurationProfileId: ids.profileId,
              ConfigurationVersion: String(version.VersionNumber),
              DeploymentStrategyId: instant.Id,
            }),
          );
          advance(pollIntervalMs);
          return {
            version: version.VersionNumber as number,
            deployment: deployment.DeploymentNumber as number,
          };
        },
        async removeEnvironment() {
          await control.send(
            new DeleteEnvironmentCommand({
              ApplicationId: ids.applicationId,
              EnvironmentId: ids.environmentId,
            }),
          );
          advance(pollIntervalMs);
        },
      };
    },
    async stop() {
      control.destroy();
      await server.stop();
      await moto.stop();
    },
  };
}
