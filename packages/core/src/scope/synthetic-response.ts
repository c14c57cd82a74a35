import { reasonPhraseOf } from '../invocation/reason-phrases.js';
import type { SyntheticHttpResponse } from './host-rule.js';

/**
 * Serializes a synthetic HTTP/1.1 response. `connection: close` makes the client discard the socket afterwards, so
 * a keep-alive pool never hands the faulted connection to a later, unsampled request.
 */
export function formatSyntheticResponse(response: SyntheticHttpResponse): Buffer {
  const body = Buffer.from(response.body, 'utf8');
  let head = `HTTP/1.1 ${response.status} ${reasonPhraseOf(response.status) ?? 'Status'}\r\n`;
  for (const [name, value] of Object.entries(response.headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
