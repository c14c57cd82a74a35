import { defineConfig } from 'vitest/config';
import { createVitestConfig } from '../../vitest.shared.ts';

export default defineConfig(createVitestConfig(import.meta.dirname));
