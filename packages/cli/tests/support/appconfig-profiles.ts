import { randomUUID } from 'node:crypto';
import {
  AppConfigClient,
  CreateApplicationCommand,
  CreateConfigurationProfileCommand,
  CreateEnvironmentCommand,
} from '@aws-sdk/client-appconfig';

/** An application with environment `prod` and a hosted freeform profile `faultline`, created as IaC would. */
export interface AppConfigProfileIds {
  readonly application: string;
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
}

/** Creates `count` fresh applications (unique names) on the local AppConfig at `endpoint`. */
export async function createAppConfigProfiles(
  endpoint: string,
  count: number,
): Promise<AppConfigProfileIds[]> {
  const client = new AppConfigClient({ endpoint, region: 'us-east-1', maxAttempts: 1 });
  try {
    const created: AppConfigProfileIds[] = [];
    for (let index = 0; index < count; index++) {
      const application = `cli-${randomUUID().slice(0, 8)}`;
      const app = await client.send(new CreateApplicationCommand({ Name: application }));
      const environment = await client.send(
        new CreateEnvironmentCommand({ ApplicationId: app.Id, Name: 'prod' }),
      );
      const profile = await client.send(
        new CreateConfigurationProfileCommand({
          ApplicationId: app.Id,
          Name: 'faultline',
          LocationUri: 'hosted',
          Type: 'AWS.Freeform',
        }),
      );
      created.push({
        application,
        applicationId: app.Id as string,
        environmentId: environment.Id as string,
        profileId: profile.Id as string,
      });
    }
    return created;
  } finally {
    client.destroy();
  }
}
