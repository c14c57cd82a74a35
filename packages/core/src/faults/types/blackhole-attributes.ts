import { maxGlobLength } from '../../matching/glob.js';
import * as s from '../../schema/schema-builders.js';

/** Most host globs one fault may list; keeps per-connection matching bounded. */
export const maxHostsPerFault = 64;

/** A list of host globs (names or IP literals; `*` and `?` only, anchored, case-insensitive). */
export const hostGlobList = (description: string) =>
  s.array(
    s.string({
      minLength: 1,
      maxLength: maxGlobLength,
      pattern: {
        regex: /^[A-Za-z0-9.*?:[\]_-]+$/,
        description:
          'a host name, IP address or glob of them (letters, digits, . - _ : [ ] * ?), without scheme or port',
      },
      examples: ['*.dynamodb.*.amazonaws.com', 'firestore.googleapis.com', '10.0.0.*', 'localhost'],
    }),
    { minItems: 1, maxItems: maxHostsPerFault, description },
  );

/** A list of TCP ports. */
export const portList = (description: string) =>
  s.array(s.number({ integer: true, minimum: 1, maximum: 65_535 }), {
    minItems: 1,
    maxItems: 64,
    description,
  });
