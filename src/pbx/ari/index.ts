export { createAriPbx, type AriPbx, type AriPbxOptions, type AriRestTransport } from './ari-pbx.js';
