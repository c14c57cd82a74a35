import { defineConfig } from 'vitest/config';
import { createVitestConfig } from '../../vitest.shared.ts';

// The packaging tests build and pack the same packages: one file at a time, so no build wipes another's output.
export default defineConfig(createVitestConfig(import.meta.dirname, { fileParallelism: false }));
