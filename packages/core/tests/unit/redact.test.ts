import { describe, expect, it } from 'vitest';
import { redactQuotedValues, redactValidationIssues } from '../../src/experiment/redact.js';
import { parseExperimentText, validateExperiment } from '../../src/index.js';

describe('redacting document values from messages', () => {
  it('masks double- and single-quoted values and keeps the shape of the problem', () => {
    expect(redactQuotedValues('(document): must be an object, got "hunter2"')).toBe(
      '(document): must be an object, got "…"',
    );
    expect(redactQuotedValues(`Unexpected token 'h', "hunter2" is not valid JSON`)).toBe(
      `Unexpected token '…', "…" is not valid JSON`,
    );
    expect(redactQuotedValues('faults[2].probability: must be between 0 and 1, got 5')).toBe(
      'faults[2].probability: must be between 0 and 1, got 5',
    );
  });

  it('leaves no trace of a secret that was validated as an experiment', async () => {
    const secret = 'Sup3r-Secret-Password-4-Prod';
    const asText = await parseExperimentText(secret, { format: 'yaml' });
    const asJson = await parseExperimentText(`{"password": "${secret}"}`, { format: 'json' });
    const notJson = await parseExperimentText(`{${secret}}`, { format: 'json' });
    const wrongType = validateExperiment({ schemaVersion: 1, id: 'x', faults: [{ id: 'a', type: secret }] });
    const issues = [
      ...(asText.ok ? validateExperiment(asText.value).issues : asText.issues),
      ...(asJson.ok ? validateExperiment(asJson.value).issues : asJson.issues),
      ...(notJson.ok ? [] : notJson.issues),
      ...wrongType.issues,
    ];
    expect(JSON.stringify(issues)).toContain(secret.slice(0, 10));

    const redacted = JSON.stringify(redactValidationIssues(issues));

    expect(redacted).not.toContain(secret.slice(0, 6));
  });
});
