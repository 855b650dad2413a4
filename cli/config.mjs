import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.mjs';

/**
 * Where the CLI finds the gateway and the admin token: the environment
 * (BUCKETGATE_ENDPOINT, BUCKETGATE_ADMIN_TOKEN) wins over the config file
 * ($XDG_CONFIG_HOME or ~/.config, then bucketgate/config.json), which holds named profiles.
 * The file holds a bearer token: it is written owner-only (0600) in an owner-only directory.
 */

export function configPath(env) {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'bucketgate', 'config.json');
}

export async function readConfig(env) {
  try {
    return JSON.parse(await readFile(configPath(env), 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return { profiles: {} };
    throw new UsageError(`cannot read ${configPath(env)}: ${error.message}`);
  }
}

/** Saves one profile, keeping the others; returns the file's path. */
export async function saveProfile(env, profile, settings) {
  const path = configPath(env);
  const config = await readConfig(env);
  config.profiles = { ...config.profiles, [profile]: settings };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file: tighten one that already existed.
  await chmod(path, 0o600);
  return path;
}

/** The endpoint and token a command uses: flags, then the environment, then the profile. */
export async function resolveTarget(env, flags) {
  const profileName = flags.profile ?? env.BUCKETGATE_PROFILE ?? 'default';
  const profile = (await readConfig(env)).profiles?.[profileName] ?? {};
  const endpoint = flags.endpoint ?? env.BUCKETGATE_ENDPOINT ?? profile.endpoint;
  const token = env.BUCKETGATE_ADMIN_TOKEN ?? profile.token;
  if (!endpoint || !token) {
    throw new UsageError(`no gateway configured${flags.profile ? ` for profile "${profileName}"` : ''}: run "bucketgate login", or set BUCKETGATE_ENDPOINT and BUCKETGATE_ADMIN_TOKEN`);
  }
  return { endpoint: endpoint.replace(/\/+$/, ''), token };
}
