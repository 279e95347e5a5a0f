/** `npm run diagrams`: writes docs/lifecycle.md from the lifecycle tables (src/domain/lifecycle.ts). */
import { writeFileSync } from 'node:fs';
import { renderLifecycleDoc } from './domain/lifecycleDoc.js';

const target = new URL('../docs/lifecycle.md', import.meta.url);
writeFileSync(target, renderLifecycleDoc());
console.log(`wrote ${target.pathname}`);
