import { createLibraryBuild } from '../../tsdown.shared.ts';

export default createLibraryBuild(import.meta.dirname, { coldStartEntry: 'adapter-kit' });
