import type { TestProject } from 'vitest/node';
import { startFakeSqlApi } from './analytics-engine-sql-fake';

/** An account of the fake Analytics Engine SQL API the usage tests read from, and its token. */
export const FAKE_SQL_ACCOUNT = '0123456789abcdef0123456789abcdef';
export const FAKE_SQL_TOKEN = 'fake-analytics-read-token-0123456789';

/** vitest globalSetup: the fake SQL API (test/usage/analytics-engine-sql-fake.ts); tests reach it with inject('analyticsEngineSql'). */
export default async function setup(project: TestProject) {
  const fake = await startFakeSqlApi({ [FAKE_SQL_ACCOUNT]: FAKE_SQL_TOKEN });
  project.provide('analyticsEngineSql', { url: fake.url, base: fake.base, account: FAKE_SQL_ACCOUNT, token: FAKE_SQL_TOKEN });
  return () => fake.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    analyticsEngineSql: { url: string; base: string; account: string; token: string };
  }
}
