/**
 * The admin API calls README.md shows, parsed from its code fences marked `sh admin-example`
 * (the convention: every fence of curl calls to /admin/v1 carries that info string, so its calls
 * are checked against openapi.json by test/worker/openapi-readme-examples.test.ts).
 */

export interface AdminExample {
  /** 1-based line in README.md where the call starts. */
  line: number;
  method: string;
  /** The path after /admin/v1, without the query. */
  path: string;
  body?: unknown;
}

export const EXAMPLE_FENCE = '```sh admin-example';

export function adminExamples(readme: string): AdminExample[] {
  const examples: AdminExample[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== EXAMPLE_FENCE) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    for (const command of shellCommands(lines.slice(start, end).join('\n'))) {
      if (command.words[0] !== 'curl') continue;
      examples.push(curlExample(command.words, start + 1 + command.line));
    }
    i = end;
  }
  return examples;
}

function curlExample(words: string[], line: number): AdminExample {
  const after = (...flags: string[]) => {
    const at = words.findIndex((w) => flags.includes(w));
    return at >= 0 ? words[at + 1] : undefined;
  };
  const url = words.find((w) => w.includes('/admin/v1'));
  if (!url) throw new Error(`README.md:${line}: a curl call in an admin-example fence must name an /admin/v1 URL`);
  const data = after('-d', '--data', '--data-raw');
  const method = after('-X', '--request') ?? (data === undefined ? 'GET' : 'POST');
  const path = url.slice(url.indexOf('/admin/v1') + '/admin/v1'.length).split('?')[0]!;
  let body: unknown;
  if (data !== undefined) {
    try {
      body = JSON.parse(data);
    } catch (error) {
      throw new Error(`README.md:${line}: the body is not JSON (${String(error)})`);
    }
  }
  return { line, method, path, ...(data !== undefined ? { body } : {}) };
}

/**
 * Splits shell text into commands of words: quotes ('…' literal, "…" with variables left as
 * written), backslash-newline continuations, `#` comments. Enough for README examples, not a shell.
 */
function shellCommands(text: string): { line: number; words: string[] }[] {
  const commands: { line: number; words: string[] }[] = [];
  let words: string[] = [];
  let word: string | null = null;
  let line = 0;
  let commandLine = 0;
  const endWord = () => {
    if (word !== null) {
      if (words.length === 0) commandLine = line;
      words.push(word);
    }
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push({ line: commandLine, words });
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '\n') {
      i++;
      line++;
      endWord();
    } else if (ch === '\n') {
      endCommand();
      line++;
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else if (ch === '#' && word === null) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) throw new Error(`unterminated ${ch} in a README example`);
      const quoted = text.slice(i + 1, close);
      line += quoted.split('\n').length - 1;
      word = (word ?? '') + quoted;
      i = close;
    } else {
      word = (word ?? '') + ch;
    }
  }
  endCommand();
  return commands;
}
