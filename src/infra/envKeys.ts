/**
 * API keys from the environment (containers, secrets managers): ACD_ADMIN_KEY and
 * ACD_SUPERVISOR_KEY are added to the configuration file's `auth.apiKeys`, where they are
 * validated and hashed like keys written in the file.
 */
const ENV_KEYS = [
  ['ACD_ADMIN_KEY', 'admin'],
  ['ACD_SUPERVISOR_KEY', 'supervisor'],
] as const;

export function withEnvApiKeys(file: unknown, env: NodeJS.ProcessEnv): unknown {
  const keys = ENV_KEYS.filter(([name]) => env[name]).map(([name, role]) => ({ key: env[name]!, role, name: name.toLowerCase() }));
  if (keys.length === 0 || typeof file !== 'object' || file === null) return file;
  const { auth } = file as { auth?: { apiKeys?: unknown[] } };
  return { ...file, auth: { ...auth, apiKeys: [...(auth?.apiKeys ?? []), ...keys] } };
}
