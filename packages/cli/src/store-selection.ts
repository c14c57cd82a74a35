import type { ParsedArguments } from './arguments.js';
import { UsageError } from './arguments.js';
import type { RunTargetStore } from './experiment-file.js';
import type { StoreCoordinates } from './stores/index.js';
import { describeCoordinates, isStoreKind, storeKinds } from './stores/index.js';

/**
 * A store picked on the command line, with the name shown in output; or a run target whose store cannot be used
 * (`problem` says why), kept in the list so commands report it next to the stores they did reach.
 */
export type SelectedStore =
  | {
      /** Run-target name (`aws`) or the store address. */
      readonly label: string;
      readonly coordinates: StoreCoordinates;
    }
  | { readonly label: string; readonly coordinates?: undefined; readonly problem: string };

/** Flags every store-writing command accepts. */
export const storeFlags = {
  values: [
    'endpoint',
    'region',
    'strategy',
    'project',
    'emulator-host',
    'label',
    'connection-string-env',
    'ca-file',
  ],
  repeatable: ['to', 'target', 'set'],
  switches: ['allow-outside'],
} as const;

/** The flags of the commands that only address stores (`diff`, `status`, `on`, `off`): the store flags and `--json`. */
export const storeCommandFlags = {
  values: storeFlags.values,
  repeatable: storeFlags.repeatable,
  switches: [...storeFlags.switches, 'json'],
};

/** Help text for {@link storeFlags}. */
export const storeFlagsHelp = `Stores (repeat --to for several; default: every target of the file's run section):
  --to KIND[:ADDRESS]       aws-ssm:/param | aws-appconfig:application/environment/profile |
                            gcp-firestore:coll/doc | azure-app-configuration:key | file:path
                            (KIND alone takes the address from the run section's target of that kind)
  --target NAME             only these run-section targets (repeatable)
  --endpoint URL            AWS endpoint override (e.g. a local moto server or AppConfig)
  --region NAME             AWS region
  --strategy NAME           AppConfig deployment strategy for push and on (default AppConfig.AllAtOnce;
                            off ignores it: always all at once, without bake time)
  --project ID              Google Cloud project id
  --emulator-host HOST:PORT Firestore emulator
  --label LABEL             App Configuration label
  --connection-string-env NAME  variable holding the App Configuration connection string
                            (default FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING)
  --ca-file PATH            PEM of a private CA (local HTTPS App Configuration server)
  --set NAME=VALUE          value for a \${NAME} placeholder of the run section (repeatable)
  --allow-outside           let file stores create directories outside the working directory, and let the
                            run section's paths leave the experiment file's folder`;

/**
 * Resolves which stores a command talks to, from `--to` / `--target` and the stores of the experiment's run
 * targets (see `resolveRunTargetStores`).
 *
 * @example
 * ```ts
 * const stores = selectStores(args, targets); // [{ label: 'aws', coordinates: { kind: 'aws-ssm', … } }]
 * ```
 */
export function selectStores(
  args: ParsedArguments,
  runTargets: readonly RunTargetStore[] | undefined,
): SelectedStore[] {
  const targets = runTargets ?? [];
  const wanted = args.values('target');
  for (const name of wanted) {
    if (!targets.some((target) => target.name === name)) {
      throw new UsageError(
        `--target ${name}: no such target in the run section`,
        targets.length === 0
          ? 'the file has no run section'
          : `targets: ${targets.map((t) => t.name).join(', ')}`,
      );
    }
  }
  const chosenTargets =
    wanted.length === 0 ? targets : targets.filter((target) => wanted.includes(target.name));
  const specs = args.values('to');
  const selected: SelectedStore[] = [];

  if (specs.length === 0) {
    if (chosenTargets.length === 0) {
      throw new UsageError('no store given', 'name one with --to, e.g. --to file:.faultline/demo.json');
    }
    for (const target of chosenTargets) selected.push(fromTarget(target, args));
    return selected;
  }

  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const kind = colon === -1 ? spec : spec.slice(0, colon);
    const address = colon === -1 ? '' : spec.slice(colon + 1);
    if (!isStoreKind(kind)) {
      throw new UsageError(`--to ${spec}: unknown store kind "${kind}"`, `one of ${storeKinds.join(', ')}`);
    }
    if (address === '') {
      const matching = chosenTargets.filter((target) => target.kind === kind);
      if (matching.length === 0) {
        throw new UsageError(
          `--to ${kind} needs an address`,
          `write it like ${exampleSpec(kind)}, or add a ${kind} target to the run section`,
        );
      }
      for (const target of matching) selected.push(fromTarget(target, args));
      continue;
    }
    const coordinates = applyFlags(fromAddress(kind, address), args);
    selected.push({ label: describeCoordinates(coordinates), coordinates });
  }
  return selected;
}

function fromTarget(target: RunTargetStore, args: ParsedArguments): SelectedStore {
  return 'problem' in target
    ? { label: target.name, problem: target.problem }
    : { label: target.name, coordinates: applyFlags(target.coordinates, args) };
}

function exampleSpec(kind: StoreCoordinates['kind']): string {
  switch (kind) {
    case 'aws-ssm':
      return '--to aws-ssm:/faultline/orders';
    case 'aws-appconfig':
      return '--to aws-appconfig:orders/prod/faultline';
    case 'gcp-firestore':
      return '--to gcp-firestore:faultline/orders';
    case 'azure-app-configuration':
      return '--to azure-app-configuration:faultline:orders --label prod';
    case 'file':
      return '--to file:.faultline/orders.json';
  }
}

function fromAddress(kind: StoreCoordinates['kind'], address: string): StoreCoordinates {
  switch (kind) {
    case 'aws-ssm':
      return { kind, parameter: address };
    case 'aws-appconfig': {
      const parts = address.split('/');
      if (parts.length !== 3 || parts.some((part) => part.trim() === '')) {
        throw new UsageError(
          `--to aws-appconfig:${address}: the address is application/environment/profile`,
          `write it like ${exampleSpec(kind)} (names or ids)`,
        );
      }
      const [application, environment, profile] = parts as [string, string, string];
      return { kind, application, environment, profile };
    }
    case 'gcp-firestore':
      return { kind, document: address };
    case 'azure-app-configuration':
      return { kind, key: address };
    case 'file':
      return { kind, path: address };
  }
}

function applyFlags(coordinates: StoreCoordinates, args: ParsedArguments): StoreCoordinates {
  const flag = (name: string) => args.value(name);
  switch (coordinates.kind) {
    case 'aws-ssm': {
      const endpoint = flag('endpoint') ?? coordinates.endpoint;
      const region = flag('region') ?? coordinates.region;
      return {
        kind: 'aws-ssm',
        parameter: coordinates.parameter,
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(region === undefined ? {} : { region }),
      };
    }
    case 'aws-appconfig': {
      const endpoint = flag('endpoint') ?? coordinates.endpoint;
      const region = flag('region') ?? coordinates.region;
      const strategy = flag('strategy') ?? coordinates.strategy;
      return {
        kind: 'aws-appconfig',
        application: coordinates.application,
        environment: coordinates.environment,
        profile: coordinates.profile,
        ...(strategy === undefined ? {} : { strategy }),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(region === undefined ? {} : { region }),
      };
    }
    case 'gcp-firestore': {
      const projectId = flag('project') ?? coordinates.projectId;
      const emulatorHost = flag('emulator-host') ?? coordinates.emulatorHost;
      return {
        kind: 'gcp-firestore',
        document: coordinates.document,
        ...(projectId === undefined ? {} : { projectId }),
        ...(emulatorHost === undefined ? {} : { emulatorHost }),
      };
    }
    case 'azure-app-configuration': {
      const label = flag('label') ?? coordinates.label;
      const connectionStringEnv = flag('connection-string-env') ?? coordinates.connectionStringEnv;
      const caFile = flag('ca-file') ?? coordinates.caFile;
      return {
        kind: 'azure-app-configuration',
        key: coordinates.key,
        ...(label === undefined ? {} : { label }),
        ...(connectionStringEnv === undefined ? {} : { connectionStringEnv }),
        ...(caFile === undefined ? {} : { caFile }),
      };
    }
    case 'file':
      return coordinates;
  }
}
