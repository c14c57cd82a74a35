import type { AppConfigClient } from '@aws-sdk/client-appconfig';
import { FaultlineError } from '@faultline/core';
import type { ExperimentStore, SetEnabledResult, StoredExperiment, WriteOptions } from './store.js';
import {
  assertExpectedVersion,
  maxDocumentBytes,
  parseStoredText,
  retryOnConflict,
  StoreAccessError,
  StoreConflictError,
  serializeDocument,
  withEnabled,
} from './store.js';

/** Options of {@link createAppConfigStore}. */
export interface AppConfigStoreOptions {
  /** Application name or id. */
  readonly application: string;
  /** Environment name or id (the one the functions read). */
  readonly environment: string;
  /** Freeform configuration profile name or id, of type hosted. */
  readonly profile: string;
  /** Deployment strategy name or id for `push` and `on`. Default `AppConfig.AllAtOnce`. */
  readonly strategy?: string;
  /** Endpoint override, e.g. a local AppConfig. */
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Receives a sentence when the store works around a problem instead of failing, e.g. `off` deploying with
   * `AppConfig.AllAtOnce` because its no-bake strategy `faultline.AllAtOnceNoBake` can be neither found nor created.
   */
  readonly onWarning?: (message: string) => void;
}

/** The default strategy of `push` and `on` (AWS's predefined one: all at once, then 10 minutes of bake time). */
export const allAtOnceStrategy = 'AppConfig.AllAtOnce';

/**
 * The deployment strategy `off` and removals always use, whatever `strategy` says: all at once and **no bake time**.
 * The stop button must not roll out gradually, and must not bake either: an alarm on the environment during a bake
 * rolls the deployment back, which for a switch-off would bring the experiment back — while the very alarms it
 * trips are firing. AppConfig has no predefined strategy without a bake, so the store finds this one by name (with
 * exactly these settings) and creates it on first use.
 */
export const stopStrategy = {
  Name: 'faultline.AllAtOnceNoBake',
  Description: 'faultline off: every target at once, no bake time, so an alarm cannot roll a switch-off back',
  DeploymentDurationInMinutes: 0,
  GrowthFactor: 100,
  GrowthType: 'LINEAR',
  FinalBakeTimeInMinutes: 0,
  ReplicateTo: 'NONE',
} as const;

/** The version label of the document a removal deploys: AppConfig cannot undeploy, so removal is a tombstone. */
export const removedVersionLabel = 'faultline-removed';

/** Deployments that are still rolling out or baking: AppConfig allows one per environment. */
const inProgressStates = new Set(['DEPLOYING', 'BAKING', 'VALIDATING']);
/** Deployments whose configuration is no longer in force. */
const undoneStates = new Set(['ROLLED_BACK', 'REVERTED']);

interface Resolved {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  readonly profileName: string;
}

interface DeploymentSummary {
  readonly DeploymentNumber?: number | undefined;
  readonly ConfigurationProfileId?: string | undefined;
  readonly ConfigurationName?: string | undefined;
  readonly ConfigurationVersion?: string | undefined;
  readonly State?: string | undefined;
  readonly PercentageComplete?: number | undefined;
}

/** What the environment looks like right now, for one write. */
interface Inspection {
  readonly ids: Resolved;
  /** The deployment of our profile whose configuration is in force (or rolling out), if any. */
  readonly inForce: DeploymentSummary | undefined;
  /** A deployment of any profile still in progress in the environment. */
  readonly inProgress: DeploymentSummary | undefined;
  /** The environment's latest deployment number (0 before the first). */
  readonly latestDeploymentNumber: number;
}

/**
 * An AWS AppConfig freeform configuration profile (hosted) as an experiment store. What the store "holds" is what
 * the functions read: the configuration **deployed** to the environment (the latest deployment of the profile that
 * was not rolled back). Its version reads `<hosted version>@<deployment number>`, e.g. `4@12`.
 *
 * A write creates a hosted configuration version and starts a deployment with the named strategy (`off` and
 * removals always with `faultline.AllAtOnceNoBake`: all at once, no bake time, created on first use). Both steps are
 * guarded the way AppConfig offers: `LatestVersionNumber` on the version (another version created meanwhile is a
 * conflict) and `LatestDeploymentNumber` on the deployment (another deployment started meanwhile is a conflict),
 * after checking that the deployed version is still the one the caller saw. A deployment of this profile still
 * rolling out or baking is stopped first (AppConfig allows one deployment per environment; stopping reverts it, and
 * ours follows at once); one of another profile is left alone and reported. AppConfig cannot undeploy: removing
 * deploys the experiment switched off, labelled `faultline-removed`, which the store then reads as empty. The SDK
 * is loaded on first use.
 *
 * @example
 * ```ts
 * const store = createAppConfigStore({ application: 'orders', environment: 'prod', profile: 'faultline' });
 * await store.setEnabled(false);
 * ```
 */
export function createAppConfigStore(options: AppConfigStoreOptions): AppConfigExperimentStore {
  const name = `aws-appconfig:${options.application}/${options.environment}/${options.profile}`;
  const strategyName = options.strategy ?? allAtOnceStrategy;
  let clientPromise:
    | Promise<{ client: AppConfigClient; sdk: typeof import('@aws-sdk/client-appconfig') }>
    | undefined;
  let resolved: Promise<Resolved> | undefined;
  const strategyIds = new Map<string, Promise<string>>();
  let stopStrategyIdPromise: Promise<string> | undefined;

  function client() {
    clientPromise ??= import('@aws-sdk/client-appconfig').then((sdk) => ({
      sdk,
      client: new sdk.AppConfigClient({
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(options.region === undefined ? {} : { region: options.region }),
        maxAttempts: 2,
      }),
    }));
    return clientPromise;
  }

  async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw accessError(name, operation, error);
    }
  }

  async function resolveIds(): Promise<Resolved> {
    const { client: appconfig, sdk } = await client();
    const application = await findByNameOrId(
      'application',
      options.application,
      (NextToken) => appconfig.send(new sdk.ListApplicationsCommand({ NextToken })),
      `create it (aws appconfig create-application --name ${options.application}) or check the name and region`,
    );
    const [environment, profile] = await Promise.all([
      findByNameOrId(
        'environment',
        options.environment,
        (NextToken) =>
          appconfig.send(new sdk.ListEnvironmentsCommand({ ApplicationId: application.Id, NextToken })),
        `create it in application ${options.application} (aws appconfig create-environment)`,
      ),
      findByNameOrId(
        'configuration profile',
        options.profile,
        (NextToken) =>
          appconfig.send(
            new sdk.ListConfigurationProfilesCommand({ ApplicationId: application.Id, NextToken }),
          ),
        `create a freeform profile with --location-uri hosted in application ${options.application}`,
      ),
    ]);
    if (profile.LocationUri !== undefined && profile.LocationUri !== 'hosted') {
      throw new StoreAccessError(
        `${name}: the configuration profile is stored at ${profile.LocationUri}, not in AppConfig (hosted); faultline writes hosted configuration versions`,
        name,
      );
    }
    return {
      applicationId: application.Id as string,
      environmentId: environment.Id as string,
      profileId: profile.Id as string,
      profileName: profile.Name ?? options.profile,
    };
  }

  async function findByNameOrId<
    Item extends { Id?: string | undefined; Name?: string | undefined; LocationUri?: string | undefined },
  >(
    what: string,
    wanted: string,
    list: (
      nextToken: string | undefined,
    ) => Promise<{ Items?: Item[] | undefined; NextToken?: string | undefined }>,
    fix: string,
  ): Promise<Item> {
    const byName: Item[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 50; page++) {
      const answer = await call(`listing ${what}s`, () => list(nextToken));
      for (const item of answer.Items ?? []) {
        if (item.Id === wanted) return item;
        if (item.Name === wanted) byName.push(item);
      }
      nextToken = answer.NextToken;
      if (nextToken === undefined) break;
    }
    if (byName.length === 1) return byName[0] as Item;
    if (byName.length > 1) {
      throw new StoreAccessError(
        `${name}: ${byName.length} ${what}s are named ${wanted}; use the id instead (${byName.map((item) => item.Id).join(', ')})`,
        name,
      );
    }
    throw new StoreAccessError(`${name}: ${what} ${wanted} not found: ${fix}`, name);
  }

  const ids = (): Promise<Resolved> => {
    resolved ??= resolveIds().catch((error: unknown) => {
      resolved = undefined;
      throw error;
    });
    return resolved;
  };

  async function strategyId(strategy: string): Promise<string> {
    // The predefined strategies' ids are their names, as AWS documents them.
    if (strategy.startsWith('AppConfig.')) return strategy;
    let found = strategyIds.get(strategy);
    if (found === undefined) {
      found = (async () => {
        const { client: appconfig, sdk } = await client();
        const item = await findByNameOrId(
          'deployment strategy',
          strategy,
          (NextToken) => appconfig.send(new sdk.ListDeploymentStrategiesCommand({ NextToken })),
          `use a predefined one (${allAtOnceStrategy}, AppConfig.Linear50PercentEvery30Seconds, AppConfig.Canary10Percent20Minutes, AppConfig.Linear20PercentEvery6Minutes) or create it (aws appconfig create-deployment-strategy)`,
        );
        return item.Id as string;
      })();
      found.catch(() => strategyIds.delete(strategy));
      strategyIds.set(strategy, found);
    }
    return found;
  }

  /**
   * The id of `stopStrategy`, created when no strategy of that name has its settings. When it can be neither
   * listed nor created (e.g. the role may not), the switch-off still happens, with `AppConfig.AllAtOnce`, and the
   * caller is told what its bake risks and how to fix it.
   */
  function stopStrategyId(): Promise<string> {
    stopStrategyIdPromise ??= (async () => {
      const { client: appconfig, sdk } = await client();
      try {
        let nextToken: string | undefined;
        for (let page = 0; page < 50; page++) {
          const answer = await appconfig.send(
            new sdk.ListDeploymentStrategiesCommand({ NextToken: nextToken }),
          );
          const found = answer.Items?.find(
            (item) =>
              item.Name === stopStrategy.Name &&
              item.DeploymentDurationInMinutes === 0 &&
              item.FinalBakeTimeInMinutes === 0 &&
              item.GrowthFactor === 100,
          );
          if (found?.Id !== undefined) return found.Id;
          nextToken = answer.NextToken;
          if (nextToken === undefined) break;
        }
        const created = await appconfig.send(new sdk.CreateDeploymentStrategyCommand({ ...stopStrategy }));
        return created.Id as string;
      } catch (error) {
        stopStrategyIdPromise = undefined;
        options.onWarning?.(
          `${name}: switching off with ${allAtOnceStrategy}, whose 10-minute bake lets an alarm on the environment roll the switch-off back, because deployment strategy ${stopStrategy.Name} could not be found or created (${errorName(error)}); grant appconfig:ListDeploymentStrategies and appconfig:CreateDeploymentStrategy, or create it yourself (0 minutes, growth 100, linear, no bake)`,
        );
        return allAtOnceStrategy;
      }
    })();
    return stopStrategyIdPromise;
  }

  async function inspect(): Promise<Inspection> {
    const resolvedIds = await ids();
    const { client: appconfig, sdk } = await client();
    let inForce: DeploymentSummary | undefined;
    let inProgress: DeploymentSummary | undefined;
    let latestDeploymentNumber = 0;
    let nextToken: string | undefined;
    for (let page = 0; page < 40 && inForce === undefined; page++) {
      const answer = await call('ListDeployments', () =>
        appconfig.send(
          new sdk.ListDeploymentsCommand({
            ApplicationId: resolvedIds.applicationId,
            EnvironmentId: resolvedIds.environmentId,
            NextToken: nextToken,
          }),
        ),
      );
      const items = [...(answer.Items ?? [])].sort(
        (a, b) => (b.DeploymentNumber ?? 0) - (a.DeploymentNumber ?? 0),
      );
      for (const item of items) {
        latestDeploymentNumber = Math.max(latestDeploymentNumber, item.DeploymentNumber ?? 0);
        if (inProgress === undefined && inProgressStates.has(item.State ?? '')) inProgress = item;
        const ours =
          item.ConfigurationProfileId === undefined
            ? item.ConfigurationName === resolvedIds.profileName
            : item.ConfigurationProfileId === resolvedIds.profileId;
        if (inForce === undefined && ours && !undoneStates.has(item.State ?? '')) inForce = item;
      }
      nextToken = answer.NextToken;
      if (nextToken === undefined) break;
    }
    return { ids: resolvedIds, inForce, inProgress, latestDeploymentNumber };
  }

  async function hostedText(
    resolvedIds: Resolved,
    version: string,
  ): Promise<{ text: string; label: string | undefined }> {
    const { client: appconfig, sdk } = await client();
    const answer = await call('GetHostedConfigurationVersion', () =>
      appconfig.send(
        new sdk.GetHostedConfigurationVersionCommand({
          ApplicationId: resolvedIds.applicationId,
          ConfigurationProfileId: resolvedIds.profileId,
          VersionNumber: Number(version),
        }),
      ),
    );
    const bytes = answer.Content ?? new Uint8Array();
    if (bytes.byteLength > maxDocumentBytes) {
      throw new StoreAccessError(
        `${name}: the deployed configuration is above the ${maxDocumentBytes}-byte cap`,
        name,
      );
    }
    return { text: new TextDecoder().decode(bytes), label: answer.VersionLabel };
  }

  const versionOf = (deployment: DeploymentSummary): string =>
    `${deployment.ConfigurationVersion}@${deployment.DeploymentNumber}`;

  async function readWith(state: Inspection): Promise<StoredExperiment | undefined> {
    const deployed = state.inForce;
    if (deployed?.ConfigurationVersion === undefined) return undefined;
    const { text, label } = await hostedText(state.ids, deployed.ConfigurationVersion);
    if (label === removedVersionLabel) return undefined;
    return { text, document: await parseStoredText(text), version: versionOf(deployed) };
  }

  async function read(): Promise<StoredExperiment | undefined> {
    return readWith(await inspect());
  }

  /** Creates a hosted version of `text` and deploys it, guarded by the version the caller saw. */
  async function deploy(
    text: string,
    writeOptions: WriteOptions,
    how: {
      /** A strategy name or id, or `stop` for `stopStrategy`. */
      readonly strategy: string | { readonly stop: true };
      readonly description: string;
      readonly label?: string;
    },
  ): Promise<{ version: string }> {
    if (Buffer.byteLength(text) > maxDocumentBytes) {
      throw new FaultlineError(
        'CONFIG_TOO_LARGE',
        `the experiment is ${Buffer.byteLength(text)} bytes; stores accept at most ${maxDocumentBytes}`,
      );
    }
    const state = await inspect();
    const current = await readWith(state);
    assertExpectedVersion(name, writeOptions, current?.version);
    const { client: appconfig, sdk } = await client();
    const strategy =
      typeof how.strategy === 'string' ? await strategyId(how.strategy) : await stopStrategyId();
    if (state.inProgress !== undefined) {
      const ours = state.inProgress.ConfigurationProfileId === state.ids.profileId;
      if (!ours) {
        throw new StoreAccessError(
          `${name}: deployment ${state.inProgress.DeploymentNumber} of configuration ${state.inProgress.ConfigurationName} is ${state.inProgress.State} in this environment, and AppConfig allows one deployment at a time; wait for it, or stop it (aws appconfig stop-deployment)`,
          name,
        );
      }
      // Ours: replacing it means stopping it (it reverts to the configuration before it), then deploying at once.
      await call('StopDeployment', () =>
        appconfig.send(
          new sdk.StopDeploymentCommand({
            ApplicationId: state.ids.applicationId,
            EnvironmentId: state.ids.environmentId,
            DeploymentNumber: state.inProgress?.DeploymentNumber,
            AllowRevert: true,
          }),
        ),
      );
    }
    const latestVersion = await latestHostedVersion(state.ids);
    let created: number;
    try {
      const answer = await appconfig.send(
        new sdk.CreateHostedConfigurationVersionCommand({
          ApplicationId: state.ids.applicationId,
          ConfigurationProfileId: state.ids.profileId,
          Content: new TextEncoder().encode(text),
          ContentType: 'application/json',
          Description: how.description,
          LatestVersionNumber: latestVersion,
          ...(how.label === undefined ? {} : { VersionLabel: how.label }),
        }),
      );
      created = answer.VersionNumber as number;
    } catch (error) {
      if (errorName(error) === 'ConflictException') {
        throw new StoreConflictError(
          `${name}: another hosted configuration version was created meanwhile; check it with faultline diff`,
          name,
          writeOptions.expectedVersion,
          'unknown',
          { cause: error },
        );
      }
      throw accessError(name, 'CreateHostedConfigurationVersion', error);
    }
    let deploymentNumber: number;
    try {
      const answer = await appconfig.send(
        new sdk.StartDeploymentCommand({
          ApplicationId: state.ids.applicationId,
          EnvironmentId: state.ids.environmentId,
          ConfigurationProfileId: state.ids.profileId,
          ConfigurationVersion: String(created),
          DeploymentStrategyId: strategy,
          Description: how.description,
          LatestDeploymentNumber: state.latestDeploymentNumber,
        }),
      );
      deploymentNumber = answer.DeploymentNumber as number;
    } catch (error) {
      if (errorName(error) === 'ConflictException') {
        throw new StoreConflictError(
          `${name}: another deployment started in this environment meanwhile (hosted version ${created} was created but not deployed); check it with faultline diff`,
          name,
          writeOptions.expectedVersion,
          'unknown',
          { cause: error },
        );
      }
      throw accessError(name, 'StartDeployment', error);
    }
    return { version: `${created}@${deploymentNumber}` };
  }

  async function latestHostedVersion(resolvedIds: Resolved): Promise<number> {
    const { client: appconfig, sdk } = await client();
    const answer = await call('ListHostedConfigurationVersions', () =>
      appconfig.send(
        new sdk.ListHostedConfigurationVersionsCommand({
          ApplicationId: resolvedIds.applicationId,
          ConfigurationProfileId: resolvedIds.profileId,
          MaxResults: 1,
        }),
      ),
    );
    return answer.Items?.[0]?.VersionNumber ?? 0;
  }

  const store: AppConfigExperimentStore = {
    kind: 'aws-appconfig',
    name,
    read,
    write(document, writeOptions) {
      return deploy(serializeDocument(document), writeOptions, {
        strategy: strategyName,
        description: 'faultline push',
      });
    },
    async remove(writeOptions) {
      const current = await read();
      if (current === undefined) return;
      const off =
        withEnabled(current.document, false) ??
        ({ schemaVersion: 1, id: 'removed', enabled: false, faults: [] } as const);
      await deploy(serializeDocument(off), writeOptions, {
        strategy: { stop: true },
        description: 'faultline: experiment removed (switched off)',
        label: removedVersionLabel,
      });
    },
    setEnabled(enabled): Promise<SetEnabledResult> {
      return retryOnConflict(async () => {
        const current = await read();
        if (current === undefined) return { outcome: 'missing', version: undefined } as const;
        const source = current.document as { enabled?: unknown } | undefined;
        if (typeof source === 'object' && source !== null && source.enabled === enabled) {
          return { outcome: 'unchanged', version: current.version } as const;
        }
        const next = withEnabled(source, enabled);
        if (next === undefined) {
          throw new StoreAccessError(
            `${name}: the deployed experiment is not a JSON object, cannot switch it`,
            name,
          );
        }
        const written = await deploy(
          serializeDocument(next),
          { expectedVersion: current.version },
          enabled
            ? { strategy: strategyName, description: 'faultline on' }
            : { strategy: { stop: true }, description: 'faultline off' },
        );
        return { outcome: 'changed', version: written.version } as const;
      });
    },
    async attachSchema(schema) {
      const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
      if (text.length > 32_768) {
        throw new StoreAccessError(
          `${name}: the JSON Schema is ${text.length} characters; AppConfig validators hold at most 32768`,
          name,
        );
      }
      const resolvedIds = await ids();
      const { client: appconfig, sdk } = await client();
      const profile = await call('GetConfigurationProfile', () =>
        appconfig.send(
          new sdk.GetConfigurationProfileCommand({
            ApplicationId: resolvedIds.applicationId,
            ConfigurationProfileId: resolvedIds.profileId,
          }),
        ),
      );
      const validators = profile.Validators ?? [];
      if (validators.some((validator) => validator.Type === 'JSON_SCHEMA' && validator.Content === text)) {
        return 'unchanged';
      }
      // Our schema replaces any other JSON Schema validator; Lambda validators stay.
      const kept = validators.filter((validator) => validator.Type !== 'JSON_SCHEMA');
      await call('UpdateConfigurationProfile', () =>
        appconfig.send(
          new sdk.UpdateConfigurationProfileCommand({
            ApplicationId: resolvedIds.applicationId,
            ConfigurationProfileId: resolvedIds.profileId,
            Validators: [...kept, { Type: 'JSON_SCHEMA', Content: text }],
          }),
        ),
      );
      return 'attached';
    },
    async close() {
      if (clientPromise !== undefined) (await clientPromise).client.destroy();
    },
  };
  return store;
}

/** An AppConfig store: an {@link ExperimentStore} that can also make AppConfig validate what is pushed. */
export interface AppConfigExperimentStore extends ExperimentStore {
  /**
   * Makes `schema` the profile's JSON Schema validator (replacing another JSON Schema validator, keeping Lambda
   * ones), so AppConfig itself refuses a version or a deployment that does not match it.
   */
  attachSchema(schema: object | string): Promise<'attached' | 'unchanged'>;
}

/** Keywords that only annotate a JSON Schema: dropped from what is attached (AppConfig validators hold 32 KB). */
const annotationKeywords = new Set([
  'description',
  'title',
  'examples',
  'default',
  '$comment',
  'markdownDescription',
]);

/**
 * `schema` without its annotations (descriptions, titles, examples, defaults): the same constraints, small enough
 * for an AppConfig validator. Property names that happen to be annotation words are kept.
 *
 * @example
 * ```ts
 * compactJsonSchema({ type: 'object', description: 'x', properties: { title: { type: 'string' } } });
 * // { type: 'object', properties: { title: { type: 'string' } } }
 * ```
 */
export function compactJsonSchema(schema: unknown): unknown {
  const compact = (value: unknown, inProperties: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => compact(item, false));
    if (typeof value !== 'object' || value === null) return value;
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (!inProperties && annotationKeywords.has(key)) continue;
      const holdsNames =
        !inProperties && (key === 'properties' || key === '$defs' || key === 'patternProperties');
      result[key] = compact(inner, holdsNames);
    }
    return result;
  };
  return compact(schema, false);
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? 'UnknownError';
}

function accessError(name: string, operation: string, error: unknown): StoreAccessError | StoreConflictError {
  if (error instanceof StoreAccessError || error instanceof StoreConflictError) return error;
  const details = (error as { Details?: { InvalidConfiguration?: { Location?: string; Reason?: string }[] } })
    ?.Details?.InvalidConfiguration;
  if (errorName(error) === 'BadRequestException' && details !== undefined && details.length > 0) {
    const reasons = details
      .map((detail) => `${detail.Location ?? '$'} ${detail.Reason ?? ''}`.trim())
      .join('; ');
    return new StoreAccessError(
      `${name}: ${operation}: AppConfig's validator refused the configuration: ${reasons}`,
      name,
      { cause: error },
    );
  }
  const hint =
    errorName(error) === 'AccessDeniedException'
      ? ` (grant appconfig:${operation.replace(/^listing .*/, 'List*')} to the role you push with)`
      : '';
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StoreAccessError(`${name}: ${operation} failed: ${detail}${hint}`, name, { cause: error });
}
