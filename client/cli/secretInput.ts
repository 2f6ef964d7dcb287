import { CliError } from './cliErrors';

/**
 * Reads a client secret without ever showing it: from a hidden prompt on a terminal, else from
 * standard input (`entra-sync connector add ... < secret.txt`, or piped from a vault). Never
 * from the command line, where it would land in shell history and the process list.
 */
export async function readSecret(prompt: string, input: NodeJS.ReadStream = process.stdin, what = 'client secret'): Promise<string> {
  const secret = input.isTTY ? await promptHidden(prompt, input) : await readAll(input);
  const trimmed = secret.replace(/\r?\n$/, '');
  if (!trimmed.trim()) throw new CliError(`no ${what} was given (type it at the prompt, or pipe it on standard input)`);
  if (/[\r\n]/.test(trimmed)) throw new CliError(`the ${what} spans several lines; give it on one line`);
  return trimmed;
}

async function readAll(input: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(prompt: string, input: NodeJS.ReadStream): Promise<string> {
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (result: () => void) => {
      input.setRawMode(wasRaw);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      result();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(() => resolve(value));
        if (ch === '\u0003') return done(() => reject(new CliError('cancelled', 130)));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
