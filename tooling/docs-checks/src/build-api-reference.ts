// `pnpm api-reference`: the API reference of every public entry point, as HTML in docs/api/ (not committed).
import { join } from 'node:path';
import { buildApiReference } from './api-reference.js';
import { repositoryRoot } from './markdown.js';

const output = join(repositoryRoot, 'docs', 'api');
const { warnings, errors } = await buildApiReference(output);
for (const message of [...errors, ...warnings]) console.error(message);
if (errors.length + warnings.length > 0) process.exitCode = 1;
else console.log(`API reference: ${join(output, 'index.html')}`);
