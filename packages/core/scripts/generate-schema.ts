/**
 * Writes `schema/experiment.v1.schema.json` from the experiment schema and the built-in fault types.
 * Run it after adding or changing a fault type: `pnpm --filter @faultline/core generate:schema`.
 * A unit test fails while the committed file and the generated one differ.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderExperimentJsonSchema } from '../src/experiment/json-schema.ts';

const target = fileURLToPath(new URL('../schema/experiment.v1.schema.json', import.meta.url));
await writeFile(target, renderExperimentJsonSchema());
process.stdout.write(`wrote ${target}\n`);
