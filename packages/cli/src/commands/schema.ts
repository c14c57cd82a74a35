import { generateExperimentJsonSchema } from '@faultline/core';
import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';

/** `faultline schema`: prints the experiment JSON Schema (for editors and CI). */
export const schemaCommand: Command = {
  name: 'schema',
  summary: 'Print the JSON Schema of experiment files (for editors and CI)',
  help: `Usage: faultline schema

Prints the JSON Schema (draft 2020-12) of experiment files, generated from the same definitions the validator uses.

Example:
  faultline schema > experiment.v1.schema.json`,
  flags: { switches: ['json'] },
  async run({ output }) {
    output.json(generateExperimentJsonSchema());
    return exitCodes.ok;
  },
};
