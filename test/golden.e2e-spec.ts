import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEdifact } from './support/parse-edifact.js';
import { runBuiltCli } from './support/run-cli.js';
import { repoPath } from './support/shipped-catalog.js';
import { validateOtaDocuments } from './support/validate-ota.js';

/**
 * One golden file per contract for the bundled samples: what `passerelle preview` writes,
 * byte for byte. After a deliberate change, regenerate with `UPDATE_GOLDEN=1 npm run test:e2e`
 * and review the diff like code.
 */
const GOLDEN = repoPath('test/golden');
/** Each bundled sample, rendered at a fixed moment a few days before it leaves. */
const SAMPLES = [
  {
    trip: 'samples/trip-nyc.json',
    bookings: 'samples/bookings-nyc.json',
    now: '2027-06-29T07:15:00Z',
  },
  {
    trip: 'samples/trip-barbados.json',
    bookings: 'samples/bookings-barbados.json',
    now: '2027-04-08T09:00:00Z',
  },
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'passerelle-golden-'));
  for (const sample of SAMPLES) {
    const run = await runBuiltCli([
      'preview',
      '--trip',
      sample.trip,
      '--bookings',
      sample.bookings,
      '--now',
      sample.now,
      '--out',
      out,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  }
  if (process.env.UPDATE_GOLDEN === '1') {
    await rm(GOLDEN, { recursive: true, force: true });
    await cp(out, GOLDEN, { recursive: true });
  }
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('golden payloads for the bundled samples', () => {
  it('should write exactly the golden set of files', async () => {
    expect(await filesUnder(out)).toEqual(await filesUnder(GOLDEN));
  });

  it('should have a golden file for every shipped contract', async () => {
    const contracts = (await readdir(repoPath('contracts')))
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => name.replace(/\.yaml$/, ''));
    const golden = new Set((await filesUnder(GOLDEN)).map((file) => file.split('/')[0]));
    for (const contract of contracts) expect(golden.has(contract), contract).toBe(true);
  });

  it('should write every file byte for byte as its golden', async () => {
    for (const file of await filesUnder(GOLDEN)) {
      expect(await readFile(join(out, file), 'utf8'), file).toBe(
        await readFile(join(GOLDEN, file), 'utf8'),
      );
    }
  });

  it('should write PAXLST that an independent EDIFACT parser reads, with a right UNT in each part', async () => {
    const edi = (await filesUnder(GOLDEN)).filter((file) => file.endsWith('.edi'));
    expect(edi.length).toBeGreaterThanOrEqual(4);
    for (const file of edi) {
      const segments = parseEdifact(await readFile(join(out, file), 'utf8'));
      const names = segments.map((segment) => segment.name);
      const unt = segments.find((segment) => segment.name === 'UNT');
      expect(unt?.elements[0]?.[0], file).toBe(
        String(names.indexOf('UNT') - names.indexOf('UNH') + 1),
      );
    }
  });

  it('should write rooming lists that validate against the OpenTravel 2017B schema', async () => {
    const xml = (await filesUnder(GOLDEN)).filter((file) => file.endsWith('.xml'));
    expect(xml.length).toBeGreaterThanOrEqual(2);
    const results = await validateOtaDocuments(
      await Promise.all(xml.map((file) => readFile(join(out, file), 'utf8'))),
    );
    expect(results.map((result) => result.errors)).toEqual(xml.map(() => []));
  });
});
