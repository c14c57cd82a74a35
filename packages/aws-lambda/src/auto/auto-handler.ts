import {
  instrumentFailingOpen,
  isFaultWrapped,
  isKillSwitchOn,
  reportSetup,
  summarizeError,
  unsupportedNodeVersion,
} from '@faultline/core/adapter-kit';
import { LambdaHandlerResolutionError, loadLambdaHandler } from './handler-resolution.js';

const mechanism = 'aws-lambda-layer';
/** What `awslambda.streamifyResponse` sets on a response-streaming handler. */
const streamingMark = Symbol.for('aws.lambda.runtime.handler.streaming');

type AnyHandler = (...args: never[]) => unknown;

/**
 * Resolves the function's original handler (`FAULTLINE_HANDLER`, from `LAMBDA_TASK_ROOT`) as the Lambda runtime
 * would, and returns what the layer exports in its place:
 *
 * - the original wrapped with `withFaults` (same engine, same `FAULTLINE_*` variables);
 * - the original itself when `FAULTLINE_DISABLED` is set (nothing else is loaded), when it is already wrapped with
 *   `withFaults` (never two injections), when it cannot be wrapped (response streaming, callback style), on a Node
 *   older than 20, or when faultline cannot be set up — each with one `setup` log line saying so;
 * - a thrown error when the original cannot be loaded: the runtime's own error for the same setting (a clear `setup`
 *   line is logged first), so the function fails exactly as it would without the layer.
 *
 * @example
 * ```ts
 * // The layer's entry (the function's handler is set to it, or AWS_LAMBDA_EXEC_WRAPPER swaps it in):
 * export const handler = await createLayerHandler();
 * ```
 */
export async function createLayerHandler(
  environment: Readonly<Record<string, string | undefined>> = process.env,
  nodeVersion: string = process.versions.node,
): Promise<AnyHandler> {
  const setting = environment.FAULTLINE_HANDLER?.trim() ?? '';
  if (setting === '' || setting === environment._HANDLER?.trim()) {
    const reason =
      setting === ''
        ? 'FAULTLINE_HANDLER is not set'
        : `FAULTLINE_HANDLER names faultline's own handler (${setting})`;
    const error = new LambdaHandlerResolutionError(
      'Runtime.HandlerNotFound',
      `${reason}: set it to your function's original handler (e.g. index.handler or src/app.handler), ` +
        "or keep the function's handler and set AWS_LAMBDA_EXEC_WRAPPER=/opt/faultline-wrapper instead",
    );
    reportSetup('error', error.message, { mechanism }, environment);
    throw error;
  }
  const taskRoot = environment.LAMBDA_TASK_ROOT ?? process.cwd();
  let original: AnyHandler;
  try {
    original = await loadLambdaHandler(setting, taskRoot);
  } catch (error) {
    reportSetup(
      'error',
      `faultline could not load the original handler ${setting} from ${taskRoot}: ${summarizeError(error)}. ` +
        'The runtime reports this error, as it would without the layer.',
      { mechanism, handler: setting },
      environment,
    );
    throw error;
  }
  if (isKillSwitchOn(environment)) return original;
  const leaveAlone = reasonToLeaveAlone(original, nodeVersion);
  if (leaveAlone !== undefined) {
    reportSetup(
      leaveAlone.level,
      `${setting}: ${leaveAlone.message}`,
      { mechanism, handler: setting },
      environment,
    );
    return original;
  }
  const details = { mechanism, handler: setting };
  return instrumentFailingOpen(original, setting, details, environment, async () => {
    const { withFaults } = await import('../with-faults.js');
    const wrapped = withFaults(original as Parameters<typeof withFaults>[0]) as AnyHandler;
    reportSetup('info', `faultline instruments ${setting}`, details, environment);
    return wrapped;
  });
}

function reasonToLeaveAlone(
  handler: AnyHandler,
  nodeVersion: string,
): { level: 'info' | 'warn'; message: string } | undefined {
  const unsupported = unsupportedNodeVersion(nodeVersion);
  if (unsupported !== undefined) {
    return { level: 'warn', message: `${unsupported}; the handler runs without faults` };
  }
  if (isFaultWrapped(handler)) {
    return { level: 'info', message: 'already wrapped with withFaults; the layer leaves it as it is' };
  }
  if ((handler as unknown as Record<symbol, unknown>)[streamingMark] !== undefined) {
    return {
      level: 'warn',
      message:
        'response-streaming handlers are not instrumented by faultline; the handler runs without faults',
    };
  }
  if (handler.length >= 3) {
    return {
      level: 'warn',
      message:
        'callback-style handlers (event, context, callback) are not instrumented by faultline; make it async to use ' +
        'faults. The handler runs without faults',
    };
  }
  return undefined;
}
