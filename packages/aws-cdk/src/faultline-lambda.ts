import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Annotations, type IAspect, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Architecture,
  type CfnFunction,
  Code,
  type ILayerVersion,
  Function as LambdaFunction,
  LayerVersion,
  Runtime,
  RuntimeFamily,
} from 'aws-cdk-lib/aws-lambda';
import { type IStringParameter, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';

/*
 * The layer's layout, as `pnpm --filter @faultline/aws-lambda build:layer` writes it (a test checks the two agree).
 * This package deliberately imports nothing from faultline's runtime packages: it only deploys them.
 */

/** `AWS_LAMBDA_EXEC_WRAPPER` value that swaps faultline in without touching the function's handler. */
export const faultlineExecWrapper = '/opt/faultline-wrapper';
/** The handler setting of handler-swap mode (the original handler then goes into `FAULTLINE_HANDLER`). */
export const faultlineLayerHandler = '/opt/nodejs/node_modules/@faultline/aws-lambda-layer/handler.handler';

/**
 * The layer zip shipped in this package (`layer/faultline-aws-lambda-layer.zip`, built by its `build:layer` script).
 *
 * @example
 * ```ts
 * import { defaultLayerZipPath } from '@faultline/aws-cdk';
 * console.log(defaultLayerZipPath()); // …/node_modules/@faultline/aws-cdk/layer/faultline-aws-lambda-layer.zip
 * ```
 */
export function defaultLayerZipPath(): string {
  return fileURLToPath(new URL('../layer/faultline-aws-lambda-layer.zip', import.meta.url));
}

/**
 * The construct cannot be built as asked (a function that is not Node.js, a missing layer zip). Thrown at synth.
 *
 * @example
 * ```ts
 * try {
 *   chaos.instrument(pythonFunction);
 * } catch (error) {
 *   if (error instanceof FaultlineConstructError) console.error(error.code); // 'FAULTLINE_CDK_NOT_NODEJS'
 * }
 * ```
 */
// deliberately not a FaultlineError: this package runs at synth time and imports no faultline runtime package.
export class FaultlineConstructError extends Error {
  override readonly name = 'FaultlineConstructError';
  readonly code: 'FAULTLINE_CDK_NOT_NODEJS' | 'FAULTLINE_CDK_LAYER_MISSING';

  constructor(code: FaultlineConstructError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** A disabled experiment with no faults: what a new parameter holds until `faultline push` writes a real one. */
const placeholderExperiment = JSON.stringify({
  schemaVersion: 1,
  id: 'faultline',
  enabled: false,
  faults: [],
});

/**
 * How the layer is swapped in: `exec-wrapper` (default) sets `AWS_LAMBDA_EXEC_WRAPPER` and leaves the function's
 * handler as it is; `handler-swap` points the handler at the layer and moves the original to `FAULTLINE_HANDLER`.
 */
export type FaultlineInstallMode = 'exec-wrapper' | 'handler-swap';

/**
 * Options of {@link FaultlineLambda} and {@link FaultlineAspect}.
 *
 * @example
 * ```ts
 * const props: FaultlineProps = { parameterName: '/faultline/orders', stage: 'staging' };
 * ```
 */
export interface FaultlineProps {
  /** The faultline layer. Default: a layer version from `layerZipPath`, created once per stack. */
  readonly layer?: ILayerVersion;
  /** The layer zip to publish when `layer` is not given. Default: {@link defaultLayerZipPath}. */
  readonly layerZipPath?: string;
  /**
   * The experiment's parameter (e.g. one you manage elsewhere; a SecureString needs `kmsKey`). Default: a String
   * parameter named `parameterName`, created with a disabled placeholder experiment.
   */
  readonly parameter?: IStringParameter;
  /** Name of the parameter to create. Default `/faultline/<stack name>/<construct id>`. */
  readonly parameterName?: string;
  /** The KMS key of a SecureString parameter: the function may `kms:Decrypt` with it, nothing else. */
  readonly kmsKey?: IKey;
  /** Default `exec-wrapper`. */
  readonly mode?: FaultlineInstallMode;
  /**
   * `FAULTLINE_STAGE` (experiments refuse production stages unless they allow it). Without it the stage is unknown
   * (unless the function is invoked through an API Gateway stage or an alias), which the guard treats as production.
   */
  readonly stage?: string;
  /** More `FAULTLINE_*` variables, e.g. `{ FAULTLINE_CONFIG_TTL_MS: '10000' }`. */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Options of {@link FaultlineLambda}: the functions to instrument and the shared settings.
 *
 * @example
 * ```ts
 * new FaultlineLambda(this, 'Chaos', { functions: [ordersFunction], stage: 'staging' });
 * ```
 */
export interface FaultlineLambdaProps extends FaultlineProps {
  /** Node.js functions to instrument; more can be added with {@link FaultlineLambda.instrument}. */
  readonly functions?: readonly LambdaFunction[];
}

/**
 * Attaches faultline to Node.js Lambda functions without code changes: the faultline layer, the variables that swap
 * it in (`AWS_LAMBDA_EXEC_WRAPPER`, or the handler swap), the experiment's SSM parameter
 * (`FAULTLINE_SSM_PARAMETER`), and a least-privilege policy: `ssm:GetParameter` on that one parameter, plus
 * `kms:Decrypt` on its key when `kmsKey` is given. Push experiments with `faultline push … --to aws-ssm:<name>`.
 *
 * @example
 * ```ts
 * import { FaultlineLambda } from '@faultline/aws-cdk';
 *
 * const chaos = new FaultlineLambda(this, 'Chaos', { functions: [ordersFunction], stage: 'staging' });
 * new CfnOutput(this, 'ExperimentParameter', { value: chaos.parameter.parameterName });
 * ```
 */
export class FaultlineLambda extends Construct {
  /** The experiment's parameter (created here unless one was given). */
  readonly parameter: IStringParameter;
  /** The faultline layer the functions get. */
  readonly layer: ILayerVersion;
  private readonly props: FaultlineProps;

  constructor(scope: Construct, id: string, props: FaultlineLambdaProps = {}) {
    super(scope, id);
    this.props = props;
    this.layer = props.layer ?? sharedLayer(this, props.layerZipPath);
    this.parameter =
      props.parameter ??
      new StringParameter(this, 'Experiment', {
        parameterName: props.parameterName ?? `/faultline/${Stack.of(this).stackName}/${id}`,
        stringValue: placeholderExperiment,
        description: 'faultline experiment (JSON or YAML); write it with `faultline push`',
      });
    for (const target of props.functions ?? []) this.instrument(target);
  }

  /**
   * Instruments one more function with this construct's layer, parameter and settings.
   *
   * @example
   * ```ts
   * chaos.instrument(checkoutFunction);
   * ```
   */
  instrument(target: LambdaFunction): void {
    if (target.runtime.family !== RuntimeFamily.NODEJS) {
      throw new FaultlineConstructError(
        'FAULTLINE_CDK_NOT_NODEJS',
        `FaultlineLambda: ${target.node.path} runs ${target.runtime.name}; faultline's layer instruments Node.js functions only`,
      );
    }
    if (olderThanNode20(target.runtime)) {
      Annotations.of(target).addWarningV2(
        '@faultline/aws-cdk:runtime',
        `${target.runtime.name}: faultline supports Node.js 20 and later; on this runtime the layer runs the handler without faults`,
      );
    }
    target.addLayers(this.layer);
    const environment: Record<string, string> = {
      FAULTLINE_SSM_PARAMETER: this.parameter.parameterName,
      ...(this.props.stage === undefined ? {} : { FAULTLINE_STAGE: this.props.stage }),
      ...this.props.environment,
    };
    if ((this.props.mode ?? 'exec-wrapper') === 'exec-wrapper') {
      environment.AWS_LAMBDA_EXEC_WRAPPER = faultlineExecWrapper;
    } else {
      const cfn = target.node.defaultChild as CfnFunction;
      if (cfn.handler !== faultlineLayerHandler) {
        environment.FAULTLINE_HANDLER = cfn.handler ?? 'index.handler';
        cfn.handler = faultlineLayerHandler;
      }
    }
    for (const [name, value] of Object.entries(environment)) target.addEnvironment(name, value);
    target.addToRolePolicy(
      new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.parameter.parameterArn] }),
    );
    if (this.props.kmsKey !== undefined) {
      target.addToRolePolicy(
        new PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.props.kmsKey.keyArn] }),
      );
    }
  }
}

/**
 * Instruments every Node.js function in a scope (a stack, a stage, the app) with one shared {@link FaultlineLambda}
 * per stack, created in the first stack it visits a function of.
 *
 * @example
 * ```ts
 * import { Aspects } from 'aws-cdk-lib';
 * import { FaultlineAspect } from '@faultline/aws-cdk';
 *
 * Aspects.of(stack).add(new FaultlineAspect({ stage: 'staging' }));
 * ```
 */
export class FaultlineAspect implements IAspect {
  private readonly props: FaultlineProps;
  private readonly byStack = new Map<Stack, FaultlineLambda>();

  constructor(props: FaultlineProps = {}) {
    this.props = props;
  }

  visit(node: IConstruct): void {
    if (!(node instanceof LambdaFunction) || node.runtime.family !== RuntimeFamily.NODEJS) return;
    const stack = Stack.of(node);
    let faultline = this.byStack.get(stack);
    if (faultline === undefined) {
      faultline = new FaultlineLambda(stack, 'Faultline', this.props);
      this.byStack.set(stack, faultline);
    }
    faultline.instrument(node);
  }
}

function sharedLayer(scope: Construct, layerZipPath: string | undefined): ILayerVersion {
  const stack = Stack.of(scope);
  const id = 'FaultlineLayer';
  const existing = stack.node.tryFindChild(id);
  if (existing !== undefined) return existing as LayerVersion;
  const zip = layerZipPath ?? defaultLayerZipPath();
  if (!existsSync(zip)) {
    throw new FaultlineConstructError(
      'FAULTLINE_CDK_LAYER_MISSING',
      `FaultlineLambda: the layer zip ${zip} does not exist. Build it with ` +
        '`pnpm --filter @faultline/aws-lambda build:layer --out <file.zip>` and pass layerZipPath, or pass a published ' +
        'layer (LayerVersion.fromLayerVersionArn) as layer.',
    );
  }
  return new LayerVersion(stack, id, {
    code: Code.fromAsset(zip),
    description: 'faultline: chaos experiments for Node.js functions, without code changes',
    // Node 18 too: there the layer logs that faultline needs Node 20 and runs the handler as it is.
    compatibleRuntimes: [Runtime.NODEJS_18_X, Runtime.NODEJS_20_X, Runtime.NODEJS_22_X, Runtime.NODEJS_24_X],
    // Plain JavaScript and a shell script: the same zip serves both architectures.
    compatibleArchitectures: [Architecture.X86_64, Architecture.ARM_64],
  });
}

function olderThanNode20(runtime: Runtime): boolean {
  const match = /^nodejs(\d+)\./.exec(runtime.name);
  return match !== null && Number(match[1]) < 20;
}
