import { readFileSync } from 'node:fs';
import { readSecrets } from './secrets';

/**
 * The end-of-run check (issue 10): no secret the run created appears anywhere in the gateway's
 * captured stdout/stderr. Also refused: anything shaped like a JWT (session tokens and web
 * identity tokens are JWTs, including ones only a client process saw, like boto3's inside its
 * script). The log must hold request lines, or the check would pass on an empty log.
 */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

export function secretsInLog(logFile: string, secretsFile: string): { requestLines: number; secrets: number; problems: string[] } {
  const log = readFileSync(logFile, 'utf8');
  const lines = log.split('\n');
  const secrets = readSecrets(secretsFile);
  const problems: string[] = [];
  for (const secret of secrets) {
    const at = lines.findIndex((line) => line.includes(secret));
    if (at >= 0) problems.push(`a secret (${secret.slice(0, 4)}…, ${secret.length} chars) appears in log line ${at + 1}`);
  }
  const jwtLine = lines.findIndex((line) => JWT.test(line));
  if (jwtLine >= 0) problems.push(`a JWT-shaped string appears in log line ${jwtLine + 1}`);
  const requestLines = lines.filter((line) => line.includes('"msg":"request"')).length;
  return { requestLines, secrets: secrets.length, problems };
}
