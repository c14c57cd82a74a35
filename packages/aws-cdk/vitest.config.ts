import { defineConfig } from 'vitest/config';
import { createVitestConfig } from '../../vitest.shared.ts';

// Importing aws-cdk-lib and synthesizing a first stack takes tens of seconds on a busy 2-core machine.
export default defineConfig(createVitestConfig(import.meta.dirname, { testTimeout: 120_000 }));
