export { createAriPbx, type AriPbxOptions } from './ari-pbx.js';
export { normalizeAriEvent } from './normalize-event.js';
export { classifyAriError } from './errors.js';
