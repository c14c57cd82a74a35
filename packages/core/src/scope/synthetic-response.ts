import type { SyntheticHttpResponse } from './host-rule.js';

const reasonPhrases: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Serializes a synthetic HTTP/1.1 response. `connection: close` makes the client discard the socket afterwards, so
 * a keep-alive pool never hands the faulted connection to a later, unsampled request.
 */
export function formatSyntheticResponse(response: SyntheticHttpResponse): Buffer {
  const body = Buffer.from(response.body, 'utf8');
  let head = `HTTP/1.1 ${response.status} ${reasonPhrases[response.status] ?? 'Status'}\r\n`;
  for (const [name, value] of Object.entries(response.headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
