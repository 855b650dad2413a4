import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `bucketgate-e2e-${label}-`));
}

export function removeDir(dir: string | undefined): Promise<void> {
  return dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve();
}

/** Writes `size` random bytes (1 MiB at a time, never all in memory) and returns their sha256. */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'w');
  const hash = createHash('sha256');
  try {
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(MiB, size - written));
      hash.update(chunk);
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

export const sha256File = (path: string) => digestFile(path, 'sha256');

export async function digestFile(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** Every file under `dir` as `relative/posix/path → sha256`, sorted by path. */
export async function treeDigest(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const digests = await Promise.all(files.map(async (f) => [relative(dir, f).split(sep).join('/'), await sha256File(f)] as const));
  return Object.fromEntries(digests.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * A small tree whose names exercise key encoding: nested prefixes, spaces, `+`, `%`, `=`, `&`,
 * unicode. Returns its digest.
 */
export async function writeSampleTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, number> = {
    'readme.txt': 1 * KiB,
    'empty.txt': 0,
    'docs/report 2024.pdf': 70 * KiB,
    'docs/a+b=c&d.txt': 300,
    'docs/100% done.txt': 12,
    'docs/deep/nested/dir/leaf.bin': 5 * KiB,
    'unicode/héllo wörld.txt': 64,
    'unicode/日本語.txt': 99,
  };
  // Dated two minutes back, as a user's files are: stores that keep Last-Modified to the second
  // (Azure, WebDAV, S3 itself) would otherwise look older than a file written in the same second as
  // its upload, and `aws s3 sync` uploads such a file again.
  const past = new Date(Date.now() - 120_000);
  for (const [name, size] of Object.entries(files)) {
    await writeRandomFile(join(dir, name), size);
    await utimes(join(dir, name), past, past);
  }
  return treeDigest(dir);
}

/** `count` tiny files named many/00000.txt … so one listing needs more than one page. */
export async function writeManyFiles(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `${String(i).padStart(5, '0')}.txt`);
  await Promise.all(
    names.map(async (name) => {
      const file = await open(join(dir, name), 'w');
      await file.write(name);
      await file.close();
    }),
  );
  return names;
}
