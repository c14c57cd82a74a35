import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FaultlineAspect,
  FaultlineConstructError,
  FaultlineLambda,
  faultlineExecWrapper,
  faultlineLayerHandler,
} from '../../src/index.js';

// Stacks synthesized offline with the real aws-cdk-lib, asserted on the CloudFormation template. The layer zip is
// the real one, built by @faultline/aws-lambda's build step.

let layerZipPath: string;

beforeAll(async () => {
  layerZipPath = join(await mkdtemp(join(tmpdir(), 'faultline-cdk-')), 'layer.zip');
  await promisify(execFile)(
    'pnpm',
    ['--filter', '@faultline/aws-lambda', 'build:layer', '--out', layerZipPath],
    {
      env: process.env,
    },
  );
}, 120_000);

function stackWith(runtime: Runtime = Runtime.NODEJS_22_X, id = 'Orders') {
  const app = new App();
  const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
  const target = new LambdaFunction(stack, id, {
    runtime,
    handler: 'src/app.handler',
    code: Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
  });
  return { app, stack, target };
}

describe('FaultlineLambda', () => {
  it('adds the layer, the variables and a parameter with a disabled placeholder experiment', () => {
    const { stack, target } = stackWith();

    new FaultlineLambda(stack, 'Chaos', { functions: [target], layerZipPath, stage: 'staging' });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
      CompatibleArchitectures: ['x86_64', 'arm64'],
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/faultline/Shop/Chaos',
      Type: 'String',
      Value: '{"schemaVersion":1,"id":"faultline","enabled":false,"faults":[]}',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'src/app.handler',
      Layers: [{ Ref: Match.stringLikeRegexp('^FaultlineLayer') }],
      Environment: {
        Variables: {
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/faultline-wrapper',
          FAULTLINE_SSM_PARAMETER: { Ref: Match.stringLikeRegexp('^ChaosExperiment') },
          FAULTLINE_STAGE: 'staging',
        },
      },
    });
  });

  it('grants exactly ssm:GetParameter on the experiment parameter, and kms:Decrypt on its key when given', () => {
    const { stack, target } = stackWith();
    const key = new Key(stack, 'ExperimentKey');

    new FaultlineLambda(stack, 'Chaos', {
      functions: [target],
      layerZipPath,
      parameter: StringParameter.fromSecureStringParameterAttributes(stack, 'Secure', {
        parameterName: '/faultline/orders',
      }),
      kmsKey: key,
    });

    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
          .Statement,
    );
    expect(statements).toEqual(
      [
        {
          Action: 'ssm:GetParameter',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:123456789012:parameter/faultline/orders'],
            ],
          },
        },
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ExperimentKey/), 'Arn'] },
        },
      ].map((statement) => expect.objectContaining(statement)),
    );
    Template.fromStack(stack).resourceCountIs('AWS::SSM::Parameter', 0);
  });

  it('in handler-swap mode points the handler at the layer and keeps the original in FAULTLINE_HANDLER', () => {
    const { stack, target } = stackWith();

    new FaultlineLambda(stack, 'Chaos', { functions: [target], layerZipPath, mode: 'handler-swap' });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: faultlineLayerHandler,
      Environment: { Variables: Match.objectLike({ FAULTLINE_HANDLER: 'src/app.handler' }) },
    });
    const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    expect(variables.Properties.Environment.Variables).not.toHaveProperty('AWS_LAMBDA_EXEC_WRAPPER');
  });

  it('refuses a function that is not Node.js, naming it', () => {
    const { stack, target } = stackWith(Runtime.PYTHON_3_12, 'Reports');

    expect(() => new FaultlineLambda(stack, 'Chaos', { functions: [target], layerZipPath })).toThrow(
      expect.objectContaining({
        code: 'FAULTLINE_CDK_NOT_NODEJS',
        message: expect.stringContaining('Shop/Reports runs python3.12'),
      }),
    );
  });

  it('warns at synth on a Node.js runtime older than 20', () => {
    const { stack, target } = stackWith(Runtime.NODEJS_18_X);

    new FaultlineLambda(stack, 'Chaos', { functions: [target], layerZipPath });

    Annotations.fromStack(stack).hasWarning(
      '/Shop/Orders',
      Match.stringLikeRegexp('faultline supports Node.js 20 and later'),
    );
  });

  it('says how to get a layer zip when there is none', () => {
    const { stack, target } = stackWith();

    expect(
      () =>
        new FaultlineLambda(stack, 'Chaos', { functions: [target], layerZipPath: '/nonexistent/layer.zip' }),
    ).toThrow(FaultlineConstructError);
  });
});

describe('FaultlineAspect', () => {
  it('instruments every Node.js function of the stack with one layer and one parameter, and leaves other runtimes alone', () => {
    const { app, stack } = stackWith();
    new LambdaFunction(stack, 'Checkout', {
      runtime: Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({});'),
    });
    new LambdaFunction(stack, 'Reports', {
      runtime: Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: Code.fromInline('def handler(event, context): return {}'),
    });

    Aspects.of(stack).add(new FaultlineAspect({ layerZipPath }));
    app.synth();

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    template.resourceCountIs('AWS::SSM::Parameter', 1);
    const wrapped = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (resource) =>
        (resource as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
          .Environment?.Variables?.AWS_LAMBDA_EXEC_WRAPPER === faultlineExecWrapper,
    );
    expect(wrapped).toHaveLength(2);
  });
});

describe('the layer this package points functions at', () => {
  it('has the exec wrapper and the handler where the construct says', async () => {
    const zip = await readFile(layerZipPath);

    expect(zip.includes(Buffer.from(faultlineExecWrapper.replace('/opt/', '')))).toBe(true);
    expect(
      zip.includes(Buffer.from(faultlineLayerHandler.replace('/opt/', '').replace('.handler', '.mjs'))),
    ).toBe(true);
  });
});
