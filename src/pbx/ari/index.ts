export { createAriPbx, type AriPbx, type AriPbxOptions, type AriRestTransport } from './ari-pbx.js';
export { normalizeAriEvent } from './normalize-event.js';
export { classifyAriError } from './errors.js';
