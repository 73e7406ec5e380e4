import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogOrThrow } from '../src/modules/contracts/contracts.module.js';
import { PasserelleError } from '../src/modules/shared/passerelle-error.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { runCliInProcess } from './support/run-cli.js';
import { repoPath } from './support/shipped-catalog.js';

/** `passerelle …` in process, without any service. */
const run = (argv: string[]) => runCliInProcess(argv);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'passerelle-cli-input-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('passerelle preview --now', () => {
  const preview = (now: string, out: string) =>
    run([
      'preview',
      '--trip',
      repoPath('samples/trip-nyc.json'),
      '--bookings',
      repoPath('samples/bookings-nyc.json'),
      '--out',
      out,
      '--now',
      now,
    ]);

  it.each(['2027-02-30T10:00:00Z', '2027-04-31T10:00:00+02:00', '2027-02-29T10:00Z'])(
    'should exit 2 with a --now error and write nothing when %s does not exist',
    async (now) => {
      const out = join(work, `now-${now.replace(/\W/g, '')}`);
      const { result, err } = await preview(now, out);
      expect(result).toEqual({ code: 2 });
      expect(err).toBe('--now: must be an ISO 8601 instant with an offset');
      await expect(readdir(out)).rejects.toThrow(); // nothing written
    },
  );

  it('should render when --now is a leap day that exists', async () => {
    const { result } = await preview('2028-02-29T10:00:00Z', join(work, 'leap'));
    expect(result).toEqual({ code: 0 });
  });
});

describe('passerelle contracts lint on an entry named *.yaml that cannot be read', () => {
  async function contractsWith(name: string, make: (path: string) => Promise<void>) {
    const dir = join(work, `contracts-${name}`);
    await cp(repoPath('contracts'), dir, { recursive: true });
    await make(join(dir, name));
    return dir;
  }

  it.each([
    ['a folder', 'old.yaml', (path: string) => mkdir(path)],
    [
      'a dangling symlink',
      'moved.yaml',
      (path: string) => symlink(join(work, 'nowhere.yaml'), path),
    ],
  ])('should report it as a problem and exit 1 when it is %s', async (_, name, make) => {
    const dir = await contractsWith(name, make);
    const { result, err } = await run(['contracts', 'lint', '--contracts', dir]);
    expect(result).toEqual({ code: 1 });
    expect(err.split('\n')).toEqual([`${join(dir, name)}: (file): cannot be read`, '1 problem(s)']);
  });

  it('should refuse the gateway’s boot with CONTRACTS_INVALID naming the file, not an EISDIR', async () => {
    const dir = await contractsWith('old.yml', (path) => mkdir(path));
    const config = loadAppConfig({
      PASSERELLE_CONTRACTS_DIR: dir,
      PASSERELLE_CONFIG_DIR: repoPath('config'),
    });
    const failure = await loadCatalogOrThrow(config).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PasserelleError);
    expect((failure as PasserelleError).code).toBe('CONTRACTS_INVALID');
    expect((failure as PasserelleError).message).toContain(
      `${join(dir, 'old.yml')}: (file): cannot be read`,
    );
  });
});

describe('passerelle … --help', () => {
  it('should give register verify’s three exit codes, as the README does', async () => {
    const { result, out } = await run(['register', 'verify', '--help']);
    expect(result).toEqual({ code: 0 });
    expect(out.replace(/\s+/g, ' ')).toContain('exit 0 intact, 1 broken, 2 could not check');
  });

  it.each([
    ['preview', '--contract <id> only this contract (repeatable) (default: every contract)'],
    [
      'demo',
      '--trip <file> a trip JSON (repeatable, paired with --bookings) (default: the samples)',
    ],
  ])(
    'should say what %s does without its repeatable options, not show their empty list',
    async (command, line) => {
      const { result, out } = await run([command, '--help']);
      expect(result).toEqual({ code: 0 });
      expect(out).not.toContain('(default: [])');
      expect(out.replace(/\s+/g, ' ')).toContain(line);
    },
  );
});
