import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { PasserelleError, type PasserelleErrorDetail } from '../shared/passerelle-error.js';
import { ROLES, type RegisteredClient } from './api-client.js';
import { DEV_CLIENT_KEY_SHA256, DEV_CLIENTS_FILE_NAME } from './dev-clients.js';

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const ID_RULE = 'must be 1 to 64 characters among A-Z a-z 0-9 . _ -';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A zod error message that tells a missing key from a wrong one. */
const rule =
  (text: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'required' : text;

const clientSchema = z.strictObject({
  id: z.string({ error: rule('must be a string') }).regex(ID, { error: ID_RULE }),
  role: z.enum(ROLES, { error: rule(`must be one of ${ROLES.join(', ')}`) }),
  insurerId: z.string({ error: 'must be a string' }).regex(ID, { error: ID_RULE }).optional(),
  keySha256: z
    .string({ error: rule('must be a string') })
    .regex(SHA256_HEX, { error: 'must be the sha256 of the key in 64 lowercase hex characters' }),
});

const fileSchema = z.strictObject(
  {
    clients: z
      .array(clientSchema, { error: rule('must be a list') })
      .min(1, { error: 'must name at least one client' }),
  },
  { error: 'must be a mapping with a clients: list' },
);

type ClientEntry = z.infer<typeof clientSchema>;

const joinPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (text, key) =>
      typeof key === 'number'
        ? `${text}[${key}]`
        : text === ''
          ? String(key)
          : `${text}.${String(key)}`,
    '',
  );

function schemaProblems(error: z.ZodError): PasserelleErrorDetail[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: joinPath([...issue.path, key]),
          rule: 'unknown property',
        }))
      : [{ path: joinPath(issue.path), rule: issue.message }],
  );
}

/** The rules between clients and those of production, on a file of the right shape. */
function clientProblems(clients: readonly ClientEntry[], nodeEnv: string): PasserelleErrorDetail[] {
  const problems: PasserelleErrorDetail[] = [];
  const ids = new Set<string>();
  const keys = new Set<string>();
  clients.forEach((client, index) => {
    const at = `clients[${index}]`;
    if (client.role === 'insurer' && client.insurerId === undefined) {
      problems.push({ path: `${at}.insurerId`, rule: 'required for role insurer' });
    }
    if (client.role !== 'insurer' && client.insurerId !== undefined) {
      problems.push({ path: `${at}.insurerId`, rule: 'only allowed for role insurer' });
    }
    if (ids.has(client.id)) problems.push({ path: `${at}.id`, rule: 'duplicate client id' });
    ids.add(client.id);
    if (keys.has(client.keySha256)) {
      problems.push({ path: `${at}.keySha256`, rule: 'key already held by another client' });
    }
    keys.add(client.keySha256);
    if (nodeEnv === 'production' && DEV_CLIENT_KEY_SHA256.has(client.keySha256)) {
      problems.push({
        path: `${at}.keySha256`,
        rule: 'a development demo key is refused in production',
      });
    }
  });
  return problems;
}

function invalid(file: string, problems: readonly PasserelleErrorDetail[]): PasserelleError {
  const lines = problems.map(({ path, rule: text }) => (path === '' ? text : `${path}: ${text}`));
  return new PasserelleError(
    'CONFIG_INVALID',
    `clients file ${file} is invalid: ${lines.join('; ')}`,
    problems.map((problem) => ({
      path: problem.path === '' ? file : `${file}: ${problem.path}`,
      rule: problem.rule,
    })),
  );
}

export interface ClientsFileOptions {
  /** Where the text was read from, for the messages and the production rule. */
  readonly file: string;
  readonly nodeEnv: string;
}

/**
 * Validates a clients file (interfaces.md, `PASSERELLE_CLIENTS_FILE`) and returns its
 * clients; throws one `CONFIG_INVALID` naming the file and every broken rule by path.
 * Messages never quote a value of the file.
 */
export function parseClientsFile(text: string, options: ClientsFileOptions): RegisteredClient[] {
  const { file, nodeEnv } = options;
  if (nodeEnv === 'production' && basename(file) === DEV_CLIENTS_FILE_NAME) {
    throw invalid(file, [
      { path: '', rule: 'the development clients file is refused in production' },
    ]);
  }
  const document = parseDocument(text, { uniqueKeys: true });
  const yamlError = document.errors[0];
  if (yamlError !== undefined) {
    const line = yamlError.linePos?.[0].line;
    throw invalid(file, [
      {
        path: '',
        rule: `not valid YAML (${yamlError.code}${line === undefined ? '' : ` at line ${line}`})`,
      },
    ]);
  }
  const parsed = fileSchema.safeParse(document.toJS());
  if (!parsed.success) throw invalid(file, schemaProblems(parsed.error));
  const problems = clientProblems(parsed.data.clients, nodeEnv);
  if (problems.length > 0) throw invalid(file, problems);
  return parsed.data.clients.map((entry) => ({
    client: {
      id: entry.id,
      role: entry.role,
      ...(entry.insurerId === undefined ? {} : { insurerId: entry.insurerId }),
    },
    keySha256: Buffer.from(entry.keySha256, 'hex'),
  }));
}

/** Reads and validates the clients file; a missing or unreadable file stops boot too. */
export async function loadClientsFile(options: ClientsFileOptions): Promise<RegisteredClient[]> {
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw invalid(options.file, [
      { path: '', rule: `cannot be read (${typeof code === 'string' ? code : 'error'})` },
    ]);
  }
  return parseClientsFile(text, options);
}
