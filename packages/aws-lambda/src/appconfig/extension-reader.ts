import type { ConfigLoadRequest, ConfigLoadResult } from '@faultline/core';
import { contentVersionOf } from '@faultline/core/adapter-kit';
import { AppConfigSourceError } from './appconfig-errors.js';
import type { AppConfigReader, ResolvedAppConfigSettings } from './appconfig-source.js';

/** AppConfig's own limit for a hosted configuration; anything larger is not an experiment. */
const maxBodyBytes = 2 * 1024 * 1024;

/**
 * Reads through the AWS AppConfig Agent Lambda extension: one local GET per read, answered from the extension's
 * cache (it polls AppConfig on its own schedule, `AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS`). 404 means the
 * configuration does not exist or nothing is deployed; the version is the `Configuration-Version` header.
 */
export function createExtensionReader(settings: ResolvedAppConfigSettings): AppConfigReader {
  const path =
    `/applications/${encodeURIComponent(settings.application)}` +
    `/environments/${encodeURIComponent(settings.appconfigEnvironment)}` +
    `/configurations/${encodeURIComponent(settings.profile)}`;
  const url = new URL(path, `${settings.extensionEndpoint}/`);

  return {
    async load({ signal, previousVersion }: ConfigLoadRequest): Promise<ConfigLoadResult> {
      signal.throwIfAborted();
      const { request } = await import('node:http');
      const answer = await new Promise<{ status: number; version: string | undefined; body: Buffer }>(
        (resolve, reject) => {
          const outgoing = request(url, { method: 'GET', signal }, (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.byteLength;
              if (size > maxBodyBytes) {
                response.destroy(
                  new AppConfigSourceError(
                    settings.name,
                    'TooLarge',
                    `${settings.name}: the extension answered more than ${maxBodyBytes} bytes`,
                  ),
                );
                return;
              }
              chunks.push(chunk);
            });
            response.on('end', () => {
              const version = response.headers['configuration-version'];
              resolve({
                status: response.statusCode ?? 0,
                version: Array.isArray(version) ? version[0] : version,
                body: Buffer.concat(chunks),
              });
            });
            response.on('error', reject);
          });
          outgoing.on('error', reject);
          outgoing.end();
        },
      ).catch((error: unknown) => {
        if (error instanceof AppConfigSourceError) throw error;
        const code = (error as { code?: string })?.code ?? (error as Error)?.name ?? 'UnknownError';
        throw new AppConfigSourceError(
          settings.name,
          code,
          `reading ${settings.name} from the AppConfig extension at ${settings.extensionEndpoint} failed with ${code}: ${(error as Error)?.message ?? String(error)}` +
            (code === 'ECONNREFUSED'
              ? ' (is the AWS AppConfig Agent Lambda extension layer attached? Without it, set FAULTLINE_APPCONFIG_MODE=sdk)'
              : ''),
          { cause: error },
        );
      });
      if (answer.status === 404) return { kind: 'missing' };
      if (answer.status !== 200) {
        const detail = answer.body.toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
        throw new AppConfigSourceError(
          settings.name,
          `Extension${answer.status}`,
          `the AppConfig extension answered HTTP ${answer.status} for ${settings.name}${detail === '' ? '' : `: ${detail}`}` +
            (answer.status === 400 || answer.status === 403
              ? ' (check the names and that the function role may call appconfig:StartConfigurationSession and appconfig:GetLatestConfiguration)'
              : ''),
        );
      }
      if (answer.body.byteLength === 0) return { kind: 'missing' };
      const text = answer.body.toString('utf8');
      const version =
        answer.version === undefined || answer.version === '' ? await contentVersionOf(text) : answer.version;
      if (previousVersion === version) return { kind: 'unchanged' };
      return { kind: 'document', document: text, version };
    },
  };
}
